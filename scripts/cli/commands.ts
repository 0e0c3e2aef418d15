/**
 * Every `leadwire` command, listed once: the first word typed, its usage (what `--help` prints),
 * the options it takes (checked before the database is opened) and how it runs. The modules that
 * do the work are loaded only to run a command, so help and usage mistakes are answered at once.
 */
import type { Store } from '../../core/repositories/index.ts';
import type { Config } from '../../core/runtime/config.ts';
import { CliError, parseStrict, type OptionSpec } from './options.ts';

export interface CliContext {
  store: Store;
  config: Config;
}

export interface Command {
  /** The first word: `npm run leadwire -- <name> …`. */
  name: string;
  /** One line per form of the command, as `help <name>` prints them. */
  usage: string;
  options: OptionSpec;
  /** What to print; a CliError for a mistake in what was typed. */
  run(context: CliContext, argv: string[]): Promise<string>;
}

/** Each command's options; the modules parse with these too. */
export const COMMAND_OPTIONS = {
  init: {
    name: { type: 'string' },
    email: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
  'api-keys': { name: { type: 'string' }, role: { type: 'string' }, user: { type: 'string' } },
  users: {
    name: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', multiple: true },
    department: { type: 'string' },
    capacity: { type: 'string' },
    'time-zone': { type: 'string' },
    language: { type: 'string' },
    queue: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
  departments: { name: { type: 'string' }, parent: { type: 'string' }, head: { type: 'string' } },
  forms: { file: { type: 'string' } },
  callbacks: { file: { type: 'string' } },
  channels: { file: { type: 'string' } },
  email: { since: { type: 'string' } },
  queues: { queue: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } },
  inbox: {
    id: { type: 'string' },
    channel: { type: 'string' },
    status: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    resume: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  db: { to: { type: 'string' }, 'no-blobs': { type: 'boolean' } },
  import: {
    map: { type: 'string' },
    mode: { type: 'string' },
    country: { type: 'string' },
    errors: { type: 'string' },
    'dry-run': { type: 'boolean' },
    resume: { type: 'boolean' },
  },
  export: {
    out: { type: 'string' },
    stage: { type: 'string' },
    responsible: { type: 'string' },
    source: { type: 'string' },
    type: { type: 'string' },
    open: { type: 'boolean' },
    since: { type: 'string' },
    until: { type: 'string' },
    kind: { type: 'string' },
  },
  retention: { 'dry-run': { type: 'boolean' } },
  webhooks: {
    url: { type: 'string' },
    events: { type: 'string' },
    description: { type: 'string' },
    on: { type: 'boolean' },
    off: { type: 'boolean' },
    limit: { type: 'string' },
  },
} as const satisfies Record<string, OptionSpec>;

type Name = keyof typeof COMMAND_OPTIONS;

const USAGE: Record<Name, string> = {
  init: `  init                                      creates the first administrator, asking at the
                                            terminal (password twice, not shown); then sign in
  init --name NAME --email EMAIL --password-stdin
                                            the same from a script: the password is the first
                                            line of standard input`,
  'api-keys': `  api-keys create --name NAME [--role admin|operator|intake] [--user USER_ID]
                                            prints a new key once (default role: operator);
                                            --user: the key acts as that user, with their
                                            permissions (an intake key still only posts)
  api-keys list                             names, roles, prefixes
  api-keys revoke ID`,
  users: `  users create --name NAME --email EMAIL [--role ROLE]… [--department ID] [--capacity N]
               [--time-zone ZONE] [--language LANG] [--queue CHANNEL_ID] [--password-stdin]
                                            someone who works leads. ROLE: operator (the default),
                                            supervisor, admin or a role of your own; repeat --role
                                            or separate with commas. --capacity: most open leads
                                            they take automatically. --queue puts them in that
                                            channel's round-robin (1 is the REST intake channel).
                                            Without --password-stdin they cannot sign in until
                                            \`users reset-password ID\`
  users list                                everyone, with roles, department and status
  users update ID [--name NAME] [--email EMAIL] [--role ROLE]… [--department ID|none]
               [--capacity N|none] [--time-zone ZONE] [--language LANG]
                                            --role replaces all their roles
  users deactivate ID                       signs them out everywhere; no sign-in any more
  users activate ID                         lets them sign in again
  users reset-password ID [--password-stdin]
                                            asks for a new password twice (or reads one line of
                                            standard input) and signs them out everywhere`,
  departments: `  departments list                          the tree, with each department's head and users
  departments create --name NAME [--parent ID] [--head USER_ID]
  departments update ID [--name NAME] [--parent ID|none] [--head USER_ID|none]
                                            a supervisor sees their department and all under it
  departments delete ID                     only once no users and no departments are in it`,
  forms: `  forms list | forms show ID
  forms create --file FORM.json             the body of POST /api/v1/forms (--file - reads stdin)
  forms update ID --file CHANGES.json       the body of PATCH /api/v1/forms/ID`,
  callbacks: `  callbacks list | callbacks show ID
  callbacks create --file WIDGET.json       the body of POST /api/v1/callbacks (--file - reads stdin)
  callbacks update ID --file CHANGES.json   the body of PATCH /api/v1/callbacks/ID`,
  channels: `  channels list | channels show ID
  channels create --file CHANNEL.json       a mailbox, a bot or a WhatsApp number: the body of
                                            POST /api/v1/channels (--file - reads stdin); a
                                            running connector starts it within a second
  channels test ID                          logs in with the stored settings and reports
  (edit a channel with PATCH /api/v1/channels/ID, see the README)`,
  email: `  email backfill ID --since YYYY-MM-DD      re-reads the mailbox from that date (no duplicates)`,
  queues: `  queues                                    jobs per queue and state, inbox rows and replies by status
  queues failed [--queue ingest|outbound] [--limit N]
                                            failed jobs with their error and inbox row / reply
  queues retry JOB_ID | queues retry --all [--queue ingest|outbound]
                                            runs failed jobs again (their inbox rows back to pending)`,
  inbox: `  inbox replay [--id N,M…] [--channel ID] [--status failed,ignored,pending,done]
               [--since ISO] [--until ISO] [--dry-run]
                                            runs matching rows again after a fix: failed rows (and
                                            ignored ones when --status names them) go back to
                                            pending; done rows stay as they are. Ctrl-C stops
                                            after the current batch
  inbox replay --resume [RUN_ID]            goes on with the newest unfinished run (or RUN_ID)
  inbox replays                             replay runs and how far they got`,
  db: `  db copy --to postgres://USER@HOST/DB [--no-blobs]
                                            copies this SQLite deployment into an empty PostgreSQL
                                            (--no-blobs: BLOB_DIR will serve DATA_DIR/blobs as they are)`,
  import: `  import clients|leads FILE.csv [--map "COLUMN=TARGET,…"] [--mode merge|skip|create]
               [--country CC] [--errors FILE] [--dry-run] [--resume]
                                            brings in clients or leads from a CSV file (UTF-8,
                                            Windows-1251 or -1252; comma, semicolon or tab). At a
                                            terminal it shows the columns it recognised and asks;
                                            otherwise it uses them and --mode merge. TARGET: name,
                                            first_name, last_name, company, kind, email, phone,
                                            telegram, responsible, custom:KEY or skip; for leads
                                            also title and comment. --mode for clients: a row whose
                                            phone, email or Telegram id already belongs to a
                                            client fills in what it lacks (merge), is left out
                                            (skip) or becomes a client anyway (create). Each lead
                                            row is decided as a message from that person would be
                                            (a repeat lead for a client, a new lead); --mode for a
                                            person with an open lead: the row joins it (merge), is
                                            left out (skip) or opens another lead (create).
                                            --country: how national phone numbers are read
                                            (DEFAULT_COUNTRY). Refused rows go to FILE.errors.csv
                                            with their line and reason (exit code 1). --dry-run
                                            writes nothing and says what would happen. Ctrl-C stops
                                            after the current batch (exit code 130); --resume goes
                                            on from there`,
  export: `  export leads|clients|deals [--out FILE] [--stage CODE] [--responsible EMAIL] [--open]
               [--source SOURCE] [--type simple|repeat] [--since ISO] [--until ISO]
               [--kind contact|company]
                                            every matching record as CSV (UTF-8 with BOM) on
                                            standard output or in FILE. Leads take --stage,
                                            --responsible, --source, --type, --open, --since and
                                            --until (created); clients --responsible and --kind;
                                            deals --stage, --responsible and --open`,
  retention: `  retention run [--dry-run]                 what the worker does on its own, now: prunes
                                            delivered events older than EVENT_RETENTION_DAYS and
                                            removes files (blobs) nothing refers to any more;
                                            prints the counts. --dry-run removes nothing and
                                            counts the files that would go`,
  webhooks: `  webhooks list                             subscriptions: on or off, deliveries waiting,
                                            events and URL; why Leadwire turned one off
  webhooks show ID
  webhooks create --url URL --events TYPE,… [--description TEXT]
                                            prints the signing secret, this once. TYPE: an event
                                            such as lead.created or message.received, a family
                                            such as 'lead.*', or '*' for every event (quote those)
  webhooks update ID [--url URL] [--events TYPE,…] [--description TEXT] [--on|--off]
                                            --events replaces the list; --on clears why Leadwire
                                            turned it off
  webhooks rotate-secret ID                 prints a new signing secret, this once; the old one
                                            stops signing at once
  webhooks delete ID                        with its deliveries and their attempts
  webhooks deliveries ID [--limit N]        newest first (default 20): status, attempts, last
                                            answer, next attempt
  webhooks redeliver DELIVERY_ID            sends a delivery again now, with the same webhook-id`,
};

/** The modules answer undefined for a sub-command they do not have. */
function answered(argv: string[], answer: string | undefined): string {
  if (answer !== undefined) return answer;
  const [group, command] = argv;
  throw new CliError(
    command === undefined || command.startsWith('-')
      ? `${group} needs a command (see the usage below)`
      : `unknown command: ${group} ${command}`,
  );
}

const RUN: Record<Name, Command['run']> = {
  init: async (context, argv) => (await import('./init.ts')).runInit(context, argv),
  'api-keys': async ({ store }, argv) =>
    (await import('./api-keys.ts')).runApiKeyCommand(store, argv),
  users: async ({ store }, argv) =>
    answered(argv, await (await import('./users.ts')).runUserCommand(store, argv)),
  departments: async ({ store }, argv) =>
    answered(argv, await (await import('./departments.ts')).runDepartmentCommand(store, argv)),
  forms: (context, argv) => runWidget('forms', context, argv),
  callbacks: (context, argv) => runWidget('callbacks', context, argv),
  channels: (context, argv) => runChannel('channels', context, argv),
  email: (context, argv) => runChannel('email', context, argv),
  queues: async ({ store, config }, argv) =>
    answered(argv, await (await import('./queues.ts')).runQueuesCommand(store, config, argv)),
  inbox: async ({ store, config }, argv) =>
    answered(argv, await (await import('./replay.ts')).runInboxCommand(store, config, argv)),
  db: async ({ store }, argv) =>
    answered(argv, await (await import('./db.ts')).runDbCommand(store, argv)),
  import: async ({ store, config }, argv) =>
    answered(argv, await (await import('./import.ts')).runImportCommand(store, config, argv)),
  export: async ({ store }, argv) => (await import('./export.ts')).runExportCommand(store, argv),
  retention: async ({ store, config }, argv) =>
    answered(argv, await (await import('./retention.ts')).runRetentionCommand(store, config, argv)),
  webhooks: async ({ store, config }, argv) =>
    answered(argv, await (await import('./webhooks.ts')).runWebhookCommand(store, config, argv)),
};

async function runWidget(name: 'forms' | 'callbacks', { store }: CliContext, argv: string[]) {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS[name]);
  const [, command, arg] = positionals;
  const { runWidgetCommand } = await import('./widgets.ts');
  return answered(argv, await runWidgetCommand(store, name, command, arg, values.file));
}

async function runChannel(
  name: 'channels' | 'email',
  { store, config }: CliContext,
  argv: string[],
) {
  const options: OptionSpec = COMMAND_OPTIONS[name];
  const { values, positionals } = parseStrict(argv, options);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const { runChannelCommand } = await import('./channels.ts');
  return answered(
    argv,
    await runChannelCommand(store, config, positionals, {
      file: text(values.file),
      since: text(values.since),
    }),
  );
}

export const COMMANDS: readonly Command[] = (Object.keys(COMMAND_OPTIONS) as Name[]).map(
  (name) => ({ name, usage: USAGE[name], options: COMMAND_OPTIONS[name], run: RUN[name] }),
);
