/**
 * `/settings/fields`: the custom fields of leads, clients and deals (key, label, type, required,
 * a list's options typed one per line), a new field, and one field's page to change its label,
 * whether it is required, its options and its place, or to remove it (the values stay in the
 * records, unseen, until a field with the same key is defined again).
 */
import { Router, type Response } from 'express';
import { CUSTOM_FIELD_TYPES, type CustomFieldDefinition } from '../../../core/custom-fields.ts';
import type { CustomFieldRepository } from '../../../core/repositories/custom-fields.ts';
import { fieldPatch, newField } from '../operator/custom-fields.ts';
import {
  AdminPage,
  Select,
  adminNotFound,
  formOf,
  numberOrNull,
  pathId,
  refusal,
  wasSaved,
} from './admin-kit.tsx';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import {
  FieldBasics,
  EMPTY_FIELD,
  ENTITIES,
  FIELD_HINTS,
  draftOfField,
  draftOfForm,
  optionsOf,
  pick,
  type FieldDraft,
} from './admin-field-form.tsx';
import { viewer, type Viewer } from './viewer.ts';

export function fieldPages(deps: { customFields: CustomFieldRepository }): Router {
  const { customFields } = deps;
  const router = Router();
  const typeOptions = (t: Viewer['t']) =>
    CUSTOM_FIELD_TYPES.map((type) => ({ value: type, label: t(`admin.fieldType.${type}`) }));
  const entityOptions = (t: Viewer['t']) =>
    ENTITIES.map((entity) => ({ value: entity, label: t(`admin.fieldEntity.${entity}`) }));

  async function showList(res: Response, status: number, draft?: FieldDraft, problem?: string) {
    const seeing = viewer(res);
    const { t } = seeing;
    const all = await customFields.list();
    const typed = draft ?? EMPTY_FIELD;
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('admin.fields.title')}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
      >
        {all.length === 0 ? <p class="empty">{t('admin.fields.empty')}</p> : null}
        {all.length ? (
          <table class="leads">
            <thead>
              <tr>
                <th scope="col">{t('admin.fields.label')}</th>
                <th scope="col">{t('admin.fields.key')}</th>
                <th scope="col">{t('admin.fields.entity')}</th>
                <th scope="col">{t('admin.fields.type')}</th>
                <th scope="col">{t('admin.fields.required')}</th>
              </tr>
            </thead>
            <tbody>
              {all.map((definition) => (
                <tr data-field={definition.id}>
                  <td>
                    <a href={`/settings/fields/${definition.id}`}>{definition.label}</a>
                    {definition.options.length ? (
                      <div class="sub">{definition.options.join(', ')}</div>
                    ) : null}
                  </td>
                  <td>
                    <code>{definition.key}</code>
                  </td>
                  <td>{t(`admin.fieldEntity.${definition.entity}`)}</td>
                  <td>{t(`admin.fieldType.${definition.type}`)}</td>
                  <td>{t(definition.required ? 'admin.yes' : 'admin.no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <h2 id="new-field">{t('admin.fields.new')}</h2>
        <form
          method="post"
          action="/settings/fields"
          class="card stack"
          aria-labelledby="new-field"
        >
          <CsrfField viewer={seeing} />
          <Select
            id="entity"
            name="entity"
            label={t('admin.fields.entity')}
            options={entityOptions(t)}
            current={typed.entity}
            required
          />
          <label for="key">{t('admin.fields.key')}</label>
          <input
            id="key"
            name="key"
            required
            maxlength={40}
            pattern="[a-z][a-z0-9_]{0,39}"
            aria-describedby="key-hint"
            value={typed.key}
          />
          <p id="key-hint" class="hint">
            {t('admin.fields.keyHint')}
          </p>
          <Select
            id="type"
            name="type"
            label={t('admin.fields.type')}
            options={typeOptions(t)}
            current={typed.type}
            required
          />
          <FieldBasics viewer={seeing} draft={typed} />
          <button type="submit">{t('admin.fields.create')}</button>
        </form>
      </AdminPage>,
    );
  }

  async function showField(
    res: Response,
    status: number,
    definition: CustomFieldDefinition,
    draft?: FieldDraft,
    problem?: string,
  ) {
    const seeing = viewer(res);
    const { t } = seeing;
    const typed = draft ?? draftOfField(definition);
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={definition.label}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
        back={{ href: '/settings/fields', label: t('admin.fields.back') }}
      >
        <p class="sub">
          <code>{definition.key}</code> · {t(`admin.fieldEntity.${definition.entity}`)} ·{' '}
          {t(`admin.fieldType.${definition.type}`)}
        </p>
        <form method="post" action={`/settings/fields/${definition.id}`} class="card stack">
          <CsrfField viewer={seeing} />
          <FieldBasics viewer={seeing} draft={typed} />
          <label for="sort">{t('admin.fields.sort')}</label>
          <input
            id="sort"
            name="sort"
            type="number"
            min={0}
            max={1000000}
            step={1}
            required
            value={typed.sort}
          />
          <button type="submit">{t('admin.save')}</button>
        </form>
        <h2>{t('admin.fields.delete')}</h2>
        <form method="post" action={`/settings/fields/${definition.id}/delete`} class="stack">
          <CsrfField viewer={seeing} />
          <p class="hint">{t('admin.fields.deleteHint')}</p>
          <button type="submit" class="danger">
            {t('admin.fields.delete')}
          </button>
        </form>
      </AdminPage>,
    );
  }

  const find = async (raw: unknown) => {
    const id = pathId(raw);
    return id ? (await customFields.list()).find((definition) => definition.id === id) : undefined;
  };

  router.get('/settings/fields', (_req, res) => showList(res, 200));

  router.post('/settings/fields', async (req, res) => {
    const { t } = viewer(res);
    const draft = draftOfForm(formOf(req.body));
    const body = newField.safeParse({
      entity: draft.entity,
      key: draft.key,
      label: draft.label,
      type: draft.type,
      required: draft.required,
      options: optionsOf(draft.options),
    });
    if (!body.success) return showList(res, 422, draft, refusal(t, body.error, FIELD_HINTS));
    const written = await customFields.create(body.data);
    if (!written.ok) return showList(res, 422, draft, t('admin.fields.keyTaken'));
    res.redirect(303, '/settings/fields?saved=1');
  });

  router.get('/settings/fields/:id', async (req, res) => {
    const definition = await find(req.params.id);
    if (!definition) return adminNotFound(res);
    await showField(res, 200, definition);
  });

  router.post('/settings/fields/:id', async (req, res) => {
    const { t } = viewer(res);
    const definition = await find(req.params.id);
    if (!definition) return adminNotFound(res);
    // The entity, key and type of a field stay what they are; the rest is as typed.
    const typed = draftOfForm(formOf(req.body));
    const draft: FieldDraft = { ...draftOfField(definition), ...pick(typed) };
    const body = fieldPatch.safeParse({
      label: draft.label,
      required: draft.required,
      options: optionsOf(draft.options),
      sort: numberOrNull(draft.sort),
    });
    if (!body.success)
      return showField(res, 422, definition, draft, refusal(t, body.error, FIELD_HINTS));
    const written = await customFields.update(definition.id, body.data);
    if (!written.ok) return adminNotFound(res);
    res.redirect(303, `/settings/fields/${definition.id}?saved=1`);
  });

  router.post('/settings/fields/:id/delete', async (req, res) => {
    const definition = await find(req.params.id);
    if (!definition || !(await customFields.delete(definition.id))) return adminNotFound(res);
    res.redirect(303, '/settings/fields?saved=1');
  });
  return router;
}
