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
  'api-keys': { name: { type: 'string' }, role: { type: 'string' } },
  users: {
    name: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    queue: { type: 'string' },
  },
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
} as const satisfies Record<string, OptionSpec>;

type Name = keyof typeof COMMAND_OPTIONS;

const USAGE: Record<Name, string> = {
  'api-keys': `  api-keys create --name NAME [--role admin|operator|intake]
                                            prints a new key once (default role: operator)
  api-keys list                             names, roles, prefixes
  api-keys revoke ID`,
  users: `  users create --name NAME --email EMAIL [--role operator|supervisor|admin] [--queue CHANNEL_ID]
                                            an operator; --queue puts them in that channel's
                                            round-robin (1 is the REST intake channel)`,
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
  'api-keys': async ({ store }, argv) => (await import('./users.ts')).runApiKeyCommand(store, argv),
  users: async ({ store }, argv) => (await import('./users.ts')).runUserCommand(store, argv),
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
