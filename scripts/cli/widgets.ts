/**
 * `leadwire forms …` and `leadwire callbacks …`: the same definitions as POST/PATCH
 * /api/v1/forms and /api/v1/callbacks, read from a JSON file (or `-` for stdin).
 */
import { callbackDefinition } from '../../connectors/callback/definition.ts';
import { flatWidget, validateWidget, type WidgetRepos } from '../../connectors/site/admin.ts';
import { formDefinition } from '../../connectors/webform/definition.ts';
import type { Widget, WidgetKind } from '../../core/repositories/forms.ts';
import { readJsonObject } from './json-file.ts';
import { CliError, idOf } from './options.ts';

const KINDS: Record<
  string,
  { kind: WidgetKind; schema: typeof formDefinition | typeof callbackDefinition; mount: string }
> = {
  forms: { kind: 'webform', schema: formDefinition, mount: '/f' },
  callbacks: { kind: 'callback', schema: callbackDefinition, mount: '/cb' },
};

const line = (w: Widget, mount: string) =>
  `${w.id}\t${w.active ? 'active' : 'closed'}\t${mount}/${w.slug}\t${w.title}`;

/** Runs a forms/callbacks command; undefined when `group` is not one of them. */
export async function runWidgetCommand(
  repos: WidgetRepos,
  group: string | undefined,
  command: string | undefined,
  arg: string | undefined,
  file: string | undefined,
): Promise<string | undefined> {
  const entry = group ? KINDS[group] : undefined;
  if (!entry || !group) return undefined;
  const { kind, schema, mount } = entry;
  const find = async () => {
    const id = idOf(arg);
    if (arg === undefined)
      throw new CliError(`${group} ${command} needs an id: ${group} ${command} ID`);
    const widget = id === undefined ? undefined : await repos.forms.get(kind, id);
    if (!widget) throw new CliError(`there is no ${kind} ${arg} (see \`${group} list\`)`);
    return widget;
  };
  const save = async (body: Record<string, unknown>, existing?: Widget) => {
    const checked = await validateWidget(repos, schema, body, existing?.id);
    if (!checked.ok) {
      throw new CliError(
        `the ${kind} is not valid:\n${checked.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
      );
    }
    return existing
      ? repos.forms.update(existing, checked.input, new Date())
      : repos.forms.create(kind, checked.input, new Date());
  };
  switch (command) {
    case 'list':
      return (
        (await repos.forms.list(kind)).map((w) => line(w, mount)).join('\n') || `no ${group} yet`
      );
    case 'show':
      return JSON.stringify(flatWidget(await find()), null, 2);
    case 'create': {
      const created = await save(readJsonObject(file, `${group} create`));
      return `created ${kind} ${created.id}: ${mount}/${created.slug} (embed: ${mount}/${created.slug}/embed.js)`;
    }
    case 'update': {
      const widget = await find();
      const updated = await save(
        { ...flatWidget(widget), ...readJsonObject(file, `${group} update`) },
        widget,
      );
      return `updated ${kind} ${updated.id}: ${line(updated, mount)}`;
    }
    default:
      throw new CliError(
        command === undefined
          ? `${group} needs a command: list, show, create or update`
          : `unknown command: ${group} ${command}`,
      );
  }
}
