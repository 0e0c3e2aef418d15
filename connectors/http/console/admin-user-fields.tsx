/**
 * A user's fields on the admin screens: as the form shows them (what is stored, or what was just
 * typed), as the API's schemas check them, and the sentences for what they refuse.
 */
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../core/passwords.ts';
import type {
  DepartmentRecord,
  RoleRecord,
  UserProblem,
  UserRecord,
} from '../../../core/repositories/users.ts';
import {
  Select,
  departmentOptions,
  field,
  fields,
  languageOptions,
  numberOrNull,
  timeZoneOptions,
  type Form,
} from './admin-kit.tsx';
import type { MessageKey } from './catalogue.ts';
import type { Viewer } from './viewer.ts';

/** A user's fields as the form shows them: what is stored, or what was just typed. */
export interface UserDraft {
  name: string;
  email: string;
  roles: string[];
  departmentId: string;
  capacity: string;
  timeZone: string;
  language: string;
}

export const draftOfUser = (user: UserRecord): UserDraft => ({
  name: user.name,
  email: user.email,
  roles: user.roles,
  departmentId: user.departmentId === null ? '' : String(user.departmentId),
  capacity: user.capacity === null ? '' : String(user.capacity),
  timeZone: user.timeZone,
  language: user.language,
});

export const draftOfForm = (form: Form): UserDraft => ({
  name: field(form, 'name'),
  email: field(form, 'email').trim(),
  roles: fields(form, 'roles'),
  departmentId: field(form, 'departmentId'),
  capacity: field(form, 'capacity'),
  timeZone: field(form, 'timeZone'),
  language: field(form, 'language'),
});

/** The draft as the API's JSON: what its schemas check. */
export const candidate = (draft: UserDraft) => ({
  ...draft,
  departmentId: numberOrNull(draft.departmentId),
  capacity: numberOrNull(draft.capacity),
});

export const USER_HINTS: Partial<Record<string, MessageKey>> = {
  name: 'admin.users.invalid.name',
  email: 'admin.users.invalid.email',
  roles: 'admin.users.invalid.roles',
  departmentId: 'admin.users.invalid.department',
  capacity: 'admin.users.invalid.capacity',
  timeZone: 'admin.users.invalid.timeZone',
  language: 'admin.users.invalid.language',
};

export const USER_PROBLEMS: Record<UserProblem, MessageKey> = {
  'email-taken': 'admin.users.emailTaken',
  'unknown-role': 'admin.users.invalid.roles',
  'unknown-department': 'admin.users.invalid.department',
  'no-user': 'notFound.text',
};

export interface Choices {
  roles: RoleRecord[];
  departments: DepartmentRecord[];
}

export function UserFields({
  viewer: seeing,
  draft,
  choices,
}: {
  viewer: Viewer;
  draft: UserDraft;
  choices: Choices;
}) {
  const { t } = seeing;
  return (
    <>
      <label for="name">{t('admin.users.name')}</label>
      <input id="name" name="name" required maxlength={200} autocomplete="off" value={draft.name} />
      <label for="email">{t('admin.users.email')}</label>
      <input
        id="email"
        name="email"
        type="email"
        required
        maxlength={320}
        autocomplete="off"
        value={draft.email}
      />
      <fieldset>
        <legend>{t('admin.users.roles')}</legend>
        {choices.roles.map((role) => (
          <label class="check">
            <input
              type="checkbox"
              name="roles"
              value={role.code}
              checked={draft.roles.includes(role.code)}
            />{' '}
            {role.name}
          </label>
        ))}
      </fieldset>
      <Select
        id="departmentId"
        name="departmentId"
        label={t('admin.users.department')}
        options={departmentOptions(t, choices.departments)}
        current={draft.departmentId}
      />
      <label for="capacity">{t('admin.users.capacity')}</label>
      <input
        id="capacity"
        name="capacity"
        type="number"
        min={0}
        max={100000}
        step={1}
        inputmode="numeric"
        aria-describedby="capacity-hint"
        value={draft.capacity}
      />
      <p id="capacity-hint" class="hint">
        {t('admin.users.capacityHint')}
      </p>
      <Select
        id="timeZone"
        name="timeZone"
        label={t('admin.users.timeZone')}
        options={timeZoneOptions()}
        current={draft.timeZone}
        required
      />
      <Select
        id="language"
        name="language"
        label={t('admin.users.language')}
        options={languageOptions(t)}
        current={draft.language}
        required
      />
    </>
  );
}

export function PasswordField({ viewer: seeing, label }: { viewer: Viewer; label: MessageKey }) {
  const { t } = seeing;
  return (
    <>
      <label for="password">{t(label, { min: PASSWORD_MIN_LENGTH })}</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minlength={PASSWORD_MIN_LENGTH}
        maxlength={PASSWORD_MAX_LENGTH}
      />
    </>
  );
}

export function UserTable({
  viewer: seeing,
  users,
  choices,
}: {
  viewer: Viewer;
  users: UserRecord[];
  choices: Choices;
}) {
  const { t } = seeing;
  const roleName = (code: string) => choices.roles.find((role) => role.code === code)?.name ?? code;
  const departmentName = (id: number | null) =>
    choices.departments.find((department) => department.id === id)?.name ?? t('admin.none');
  return (
    <table class="leads">
      <thead>
        <tr>
          <th scope="col">{t('admin.users.name')}</th>
          <th scope="col">{t('admin.users.email')}</th>
          <th scope="col">{t('admin.users.roles')}</th>
          <th scope="col">{t('admin.users.department')}</th>
          <th scope="col">{t('admin.users.capacity')}</th>
          <th scope="col">{t('admin.users.status')}</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr data-user={user.id}>
            <td>
              <a href={`/settings/users/${user.id}`}>{user.name}</a>
            </td>
            <td>{user.email}</td>
            <td>{user.roles.map(roleName).join(', ')}</td>
            <td>{departmentName(user.departmentId)}</td>
            <td>{user.capacity ?? t('admin.users.noLimit')}</td>
            <td>{t(user.active ? 'admin.users.active' : 'admin.users.inactive')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
