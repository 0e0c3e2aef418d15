/**
 * What every admin screen shares: the gate (only roles that manage), the frame of a page with
 * its way back and its refusal, reading urlencoded form values into the shapes the API's schemas
 * check (so the console and the API refuse the same things), and the selects they reuse.
 */
import type { RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { canManage } from '../../../core/permissions.ts';
import type { DepartmentRecord } from '../../../core/repositories/users.ts';
import { LANGUAGES, type MessageKey } from './catalogue.ts';
import { Alert, Page } from './layout.tsx';
import { sendPage, type Children } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

/** A posted form: one string per name, an array of them when a name came more than once. */
export type Form = Record<string, unknown>;

export const formOf = (body: unknown): Form =>
  typeof body === 'object' && body !== null ? (body as Form) : {};

/** The (first) value of a field; '' when it was not sent. */
export function field(form: Form, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : '';
}

/** Every value of a field sent several times (checkboxes of one name). */
export function fields(form: Form, name: string): string[] {
  const value = form[name];
  const all = Array.isArray(value) ? (value as unknown[]) : [value];
  return all.filter((item): item is string => typeof item === 'string');
}

/** A checkbox: sent means ticked. */
export const ticked = (form: Form, name: string) => field(form, name) !== '';

/**
 * A number typed or chosen in a form: empty is null (no department, no limit); anything else
 * that is not a number stays text, which the API's schema refuses as it would in JSON.
 */
export function numberOrNull(value: string): number | string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : trimmed;
}

/** The id in a path (`/settings/users/:id`); undefined when it is not one. */
export function pathId(value: unknown): number | undefined {
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * The sentence for the first thing a schema refused, by the field it is about; `fallback` when
 * no field has its own sentence.
 */
export function refusal(
  t: Viewer['t'],
  error: z.ZodError,
  byField: Partial<Record<string, MessageKey>>,
  fallback: MessageKey = 'admin.invalid',
): string {
  for (const issue of error.issues) {
    const key = byField[String(issue.path[0] ?? '')];
    if (key) return t(key);
  }
  return t(fallback);
}

/** Only roles that manage reach the admin screens; anyone else is told so. */
export const mustManage: RequestHandler = (_req, res, next) => {
  const seeing = viewer(res);
  if (canManage(seeing.principal.actor)) return next();
  const { t } = seeing;
  sendPage(
    res,
    403,
    <Page viewer={seeing} title={t('admin.forbidden.title')}>
      <h1>{t('admin.forbidden.title')}</h1>
      <p>{t('admin.forbidden.text')}</p>
    </Page>,
  );
};

export function adminNotFound(res: Response) {
  const seeing = viewer(res);
  const { t } = seeing;
  sendPage(
    res,
    404,
    <AdminPage viewer={seeing} title={t('notFound.title')}>
      <p>{t('notFound.text')}</p>
    </AdminPage>,
  );
}

/** An admin screen: the way back to the admin index, its title, what was refused or saved. */
export function AdminPage(props: {
  viewer: Viewer;
  title: string;
  problem?: string | undefined;
  saved?: boolean | undefined;
  back?: { href: string; label: string } | undefined;
  children: Children;
}) {
  const { t } = props.viewer;
  const back = props.back ?? { href: '/settings', label: t('admin.back') };
  return (
    <Page viewer={props.viewer} title={props.title}>
      <p>
        <a href={back.href}>← {back.label}</a>
      </p>
      <h1>{props.title}</h1>
      <Alert text={props.problem} />
      {props.saved && !props.problem ? (
        <p class="notice" role="status">
          {t('admin.saved')}
        </p>
      ) : null}
      {props.children}
    </Page>
  );
}

/** Whether a page was reached by the redirect after a successful post (a fixed flag, no text). */
export const wasSaved = (query: unknown) => (query as { saved?: unknown }).saved === '1';

/** A labelled select; `current` is chosen, and offered even when it is not among `options`. */
export function Select(props: {
  id: string;
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  current: string;
  labelHidden?: boolean;
  required?: boolean;
}) {
  const known =
    props.current === '' || props.options.some((option) => option.value === props.current);
  const options = known
    ? props.options
    : [{ value: props.current, label: props.current }, ...props.options];
  return (
    <>
      <label for={props.id} class={props.labelHidden ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
      <select id={props.id} name={props.name} required={props.required}>
        {options.map((option) => (
          <option value={option.value} selected={option.value === props.current}>
            {option.label}
          </option>
        ))}
      </select>
    </>
  );
}

let zones: { value: string; label: string }[] | undefined;
/** Every IANA time zone this runtime knows, UTC first. */
export function timeZoneOptions(): { value: string; label: string }[] {
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')].map(
    (zone) => ({ value: zone, label: zone.replaceAll('_', ' ') }),
  );
  return zones;
}

export const languageOptions = (t: Viewer['t']) =>
  LANGUAGES.map((language) => ({ value: language, label: t(`admin.language.${language}`) }));

/**
 * The departments as a tree, each with its depth, in name order under its parent; those in
 * `except` (a department and everything under it, for its own parent select) are left out.
 */
export function departmentTree(
  all: readonly DepartmentRecord[],
  except: readonly number[] = [],
): { department: DepartmentRecord; depth: number }[] {
  const known = new Set(all.map((department) => department.id));
  const out: { department: DepartmentRecord; depth: number }[] = [];
  const visit = (parentId: number | null, depth: number) => {
    const children = all
      .filter((department) =>
        parentId === null
          ? department.parentId === null || !known.has(department.parentId)
          : department.parentId === parentId,
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const department of children) {
      if (except.includes(department.id)) continue;
      out.push({ department, depth });
      visit(department.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

/** Department options for a select, indented by depth, with "none" first. */
export function departmentOptions(
  t: Viewer['t'],
  all: readonly DepartmentRecord[],
  except: readonly number[] = [],
) {
  return [
    { value: '', label: t('admin.none') },
    ...departmentTree(all, except).map(({ department, depth }) => ({
      value: String(department.id),
      label: `${'— '.repeat(depth)}${department.name}`,
    })),
  ];
}
