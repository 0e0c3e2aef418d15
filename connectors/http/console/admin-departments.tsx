/**
 * `/settings/departments`: the department tree (a supervisor's "department" scope reaches every
 * department under theirs), a new department, and one department's page to rename it, move it
 * under another, choose its head, or delete it once it is empty.
 */
import { Router, type Response } from 'express';
import type {
  DepartmentProblem,
  DepartmentRecord,
  UserRecord,
  UserRepository,
} from '../../../core/repositories/users.ts';
import { departmentBody, departmentPatch, departmentSubtree } from '../operator/people.ts';
import {
  AdminPage,
  Select,
  adminNotFound,
  departmentOptions,
  field,
  formOf,
  numberOrNull,
  pathId,
  refusal,
  wasSaved,
  type Form,
} from './admin-kit.tsx';
import type { MessageKey } from './catalogue.ts';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

interface DepartmentDraft {
  name: string;
  parentId: string;
  headId: string;
}

const draftOf = (department: DepartmentRecord): DepartmentDraft => ({
  name: department.name,
  parentId: department.parentId === null ? '' : String(department.parentId),
  headId: department.headId === null ? '' : String(department.headId),
});

const candidate = (draft: DepartmentDraft) => ({
  name: draft.name,
  parentId: numberOrNull(draft.parentId),
  headId: numberOrNull(draft.headId),
});

const HINTS: Partial<Record<string, MessageKey>> = {
  name: 'admin.departments.invalid.name',
  parentId: 'admin.departments.invalid.parent',
  headId: 'admin.departments.invalid.head',
};

const PROBLEMS: Record<DepartmentProblem, MessageKey> = {
  'name-taken': 'admin.departments.nameTaken',
  'unknown-parent': 'admin.departments.invalid.parent',
  'unknown-head': 'admin.departments.invalid.head',
  cycle: 'admin.departments.cycle',
  'not-empty': 'admin.departments.notEmpty',
  'no-department': 'notFound.text',
};

function DepartmentFields(props: {
  viewer: Viewer;
  draft: DepartmentDraft;
  departments: DepartmentRecord[];
  /** The department being edited and those under it: never its own parent. */
  except: number[];
  people: UserRecord[];
}) {
  const { t } = props.viewer;
  return (
    <>
      <label for="name">{t('admin.departments.name')}</label>
      <input id="name" name="name" required maxlength={200} value={props.draft.name} />
      <Select
        id="parentId"
        name="parentId"
        label={t('admin.departments.parent')}
        options={departmentOptions(t, props.departments, props.except)}
        current={props.draft.parentId}
      />
      <Select
        id="headId"
        name="headId"
        label={t('admin.departments.head')}
        options={[
          { value: '', label: t('admin.none') },
          ...props.people.map((user) => ({ value: String(user.id), label: user.name })),
        ]}
        current={props.draft.headId}
      />
    </>
  );
}

/** The departments under `parentId` as nested lists, so the tree is heard as one, too. */
function Tree(props: {
  viewer: Viewer;
  departments: DepartmentRecord[];
  parentId: number | null;
  people: UserRecord[];
}) {
  const { t } = props.viewer;
  const children = props.departments
    .filter((department) => department.parentId === props.parentId)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (!children.length) return null;
  const head = (id: number | null) => props.people.find((user) => user.id === id)?.name;
  return (
    <ul class="admin-tree">
      {children.map((department) => (
        <li data-department={department.id}>
          <a href={`/settings/departments/${department.id}`}>{department.name}</a>
          {department.headId !== null ? (
            <span class="sub">
              {' · '}
              {t('admin.departments.headIs', { name: head(department.headId) ?? '' })}
            </span>
          ) : null}
          <Tree {...props} parentId={department.id} />
        </li>
      ))}
    </ul>
  );
}

const draftOfForm = (form: Form): DepartmentDraft => ({
  name: field(form, 'name'),
  parentId: field(form, 'parentId'),
  headId: field(form, 'headId'),
});

export function departmentPages(deps: { users: UserRepository }): Router {
  const { users } = deps;
  const router = Router();
  const people = async () =>
    (await users.listUsers({ active: true })).sort((a, b) => a.name.localeCompare(b.name));

  async function showTree(
    res: Response,
    status: number,
    draft?: DepartmentDraft,
    problem?: string,
  ) {
    const seeing = viewer(res);
    const { t } = seeing;
    const departments = await users.listDepartments();
    const everyone = await users.listUsers({});
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('admin.departments.title')}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
      >
        {departments.length === 0 ? <p class="empty">{t('admin.departments.empty')}</p> : null}
        <Tree viewer={seeing} departments={departments} parentId={null} people={everyone} />
        <h2 id="new-department">{t('admin.departments.new')}</h2>
        <form
          method="post"
          action="/settings/departments"
          class="card stack"
          aria-labelledby="new-department"
        >
          <CsrfField viewer={seeing} />
          <DepartmentFields
            viewer={seeing}
            draft={draft ?? { name: '', parentId: '', headId: '' }}
            departments={departments}
            except={[]}
            people={await people()}
          />
          <button type="submit">{t('admin.departments.create')}</button>
        </form>
      </AdminPage>,
    );
  }

  async function showDepartment(
    res: Response,
    status: number,
    department: DepartmentRecord,
    draft?: DepartmentDraft,
    problem?: string,
  ) {
    const seeing = viewer(res);
    const { t } = seeing;
    const departments = await users.listDepartments();
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={department.name}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
        back={{ href: '/settings/departments', label: t('admin.departments.back') }}
      >
        <form method="post" action={`/settings/departments/${department.id}`} class="card stack">
          <CsrfField viewer={seeing} />
          <DepartmentFields
            viewer={seeing}
            draft={draft ?? draftOf(department)}
            departments={departments}
            except={departmentSubtree(departments, department.id)}
            people={await people()}
          />
          <button type="submit">{t('admin.save')}</button>
        </form>
        <h2>{t('admin.departments.delete')}</h2>
        <form method="post" action={`/settings/departments/${department.id}/delete`} class="stack">
          <CsrfField viewer={seeing} />
          <p class="hint">{t('admin.departments.deleteHint')}</p>
          <button type="submit" class="danger">
            {t('admin.departments.delete')}
          </button>
        </form>
      </AdminPage>,
    );
  }

  const find = async (raw: unknown) => {
    const id = pathId(raw);
    return id
      ? (await users.listDepartments()).find((department) => department.id === id)
      : undefined;
  };

  router.get('/settings/departments', (_req, res) => showTree(res, 200));

  router.post('/settings/departments', async (req, res) => {
    const { t } = viewer(res);
    const draft = draftOfForm(formOf(req.body));
    const body = departmentBody.safeParse(candidate(draft));
    if (!body.success) return showTree(res, 422, draft, refusal(t, body.error, HINTS));
    const written = await users.createDepartment(body.data);
    if (!written.ok) return showTree(res, 422, draft, t(PROBLEMS[written.problem]));
    res.redirect(303, '/settings/departments?saved=1');
  });

  router.get('/settings/departments/:id', async (req, res) => {
    const department = await find(req.params.id);
    if (!department) return adminNotFound(res);
    await showDepartment(res, 200, department);
  });

  router.post('/settings/departments/:id', async (req, res) => {
    const { t } = viewer(res);
    const department = await find(req.params.id);
    if (!department) return adminNotFound(res);
    const draft = draftOfForm(formOf(req.body));
    const body = departmentPatch.safeParse(candidate(draft));
    if (!body.success)
      return showDepartment(res, 422, department, draft, refusal(t, body.error, HINTS));
    const written = await users.updateDepartment(department.id, body.data);
    if (!written.ok)
      return showDepartment(res, 422, department, draft, t(PROBLEMS[written.problem]));
    res.redirect(303, `/settings/departments/${department.id}?saved=1`);
  });

  router.post('/settings/departments/:id/delete', async (req, res) => {
    const { t } = viewer(res);
    const department = await find(req.params.id);
    if (!department) return adminNotFound(res);
    const deleted = await users.deleteDepartment(department.id);
    if (!deleted.ok)
      return showDepartment(res, 422, department, undefined, t(PROBLEMS[deleted.problem]));
    res.redirect(303, '/settings/departments?saved=1');
  });
  return router;
}
