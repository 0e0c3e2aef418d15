/**
 * `npm run bench -- forms`: how many submissions per second POST /f/:slug accepts on this machine,
 * driven by autocannon, beside a bare Express 5 handler reading the same body, in the same run.
 * Each post carries its own signed token (one submission) and email, as a browser's would, and
 * every 2xx answer is checked against its inbox row. The web app runs as the Procfile's `web` line
 * runs it, in a process of its own (form-server.ts), on a temporary DATA_DIR and a queue prefix of
 * its own. No worker runs: the queue just fills, and its keys are deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { issueToken } from '../../connectors/site/token.ts';
import { formDefinition } from '../../connectors/webform/definition.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { redisAnswers } from '../../core/runtime/redis.ts';
import { openStore } from '../../db/open.ts';
import { siteSecret } from '../boot.ts';
import { timeInboxCommit } from './feed.ts';
import { startServer, startUsage, type ServerChild, type Usage } from './form-server.ts';
import { connectOwningPrefix } from './redis-keys.ts';
import {
  checkInbox,
  fire,
  settledMaxInboxId,
  statuses,
  type Fired,
  type InboxCheck,
  type Post,
} from './load.ts';
import { createWorkspace } from './workspace.ts';

const USAGE = 'usage: npm run bench -- forms [--seconds N] [--connections N]';
const WARMUP_SECONDS = 2;
/** The per-IP limiter still counts every post in Redis, but never turns one away. */
const NEVER_LIMITED = 1_000_000_000;

/** The fields of the tests' contact form (test/helpers/site.ts). */
const FORM = {
  slug: 'bench-contact',
  title: 'Contact us',
  defaultCountry: 'ES',
  operatorIds: [],
  active: true,
  definition: {
    fields: [
      { key: 'name', label: 'Your name', type: 'text', required: true },
      { key: 'email', label: 'Email', type: 'email' },
      { key: 'phone', label: 'Phone', type: 'phone' },
      { key: 'topic', label: 'Topic', type: 'select', options: ['Sales', 'Support'] },
      { key: 'message', label: 'Message', type: 'textarea', mapsTo: 'comment' },
      { key: 'campaign', label: 'Campaign', type: 'hidden', value: 'autumn' },
      { key: 'terms', label: 'I agree to be contacted', type: 'consent', required: true },
    ],
    successText: 'Thanks, we will be in touch.',
    // Past its cap every post is still kept, but logged and flagged: not what is measured here.
    dailyCap: NEVER_LIMITED,
  },
};

const JSON_ANSWER = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'application/json',
};
const HTML_ANSWER = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

export interface FormsBenchContext {
  /** The arguments after `forms`. */
  args: string[];
  progress: (line: string) => void;
  /** Aborted on Ctrl-C: the load stops, then the cleanup runs. */
  signal: AbortSignal;
  /** Registers something to close when the bench ends, however it ends. */
  defer: (close: () => unknown) => void;
}

export async function benchForms(context: FormsBenchContext): Promise<string> {
  const { progress, defer, signal } = context;
  const load = readFormsOptions(context.args);
  const base = loadConfig();
  if (!(await redisAnswers(base.redisUrl)))
    throw new Error(
      `Redis is not reachable at ${base.redisUrl} — start redis-server or set REDIS_URL`,
    );
  const runId = randomBytes(4).toString('hex');
  const prefix = `${base.queuePrefix}-bench-forms-${runId}`;
  const workspace = createWorkspace(undefined, runId);
  defer(() => workspace.remove());
  const env = {
    ...process.env,
    DATA_DIR: path.dirname(workspace.databaseFile),
    QUEUE_PREFIX: prefix,
    REDIS_URL: base.redisUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    FORM_MIN_FILL_MS: '0',
    FORM_RATE_LIMIT_PER_MINUTE: String(NEVER_LIMITED),
  };
  const config = loadConfig(env);
  progress(`database ${config.databaseFile}, Redis ${config.redisUrl}, queue prefix ${prefix}`);

  const store = await openStore(config, { durability: 'full' });
  defer(() => store.close());
  const inboxCommitMs = await timeInboxCommit(store);
  const form = await store.forms.create(
    'webform',
    { ...FORM, definition: formDefinition.parse(FORM.definition) },
    new Date(),
  );
  const posts = new PostPool(postMaker(await siteSecret(store, config.forms.secret), form.id));

  const redis = await connectOwningPrefix(config.redisUrl, prefix, defer, progress);

  /** A warm-up, then the run, with where the CPU went during the run. */
  const measure = async (
    name: string,
    server: ServerChild,
    target: Target,
    next: () => Post,
    beforeRun?: (warm: Fired) => Promise<void>,
  ) => {
    progress(`${name}: ${WARMUP_SECONDS} s warm-up, then ${load.seconds} s`);
    const warm = await fire(target, { ...load, seconds: WARMUP_SECONDS }, next, signal);
    if (!warm.result['2xx'])
      throw new Error(`${target.url} accepted no post in the warm-up: ${statuses(warm.result)}`);
    await beforeRun?.(warm);
    const usage = startUsage(redis, server);
    const run = await fire(target, load, next, signal);
    return { ...run, usage: await usage() };
  };

  const web = startServer('web', env);
  defer(() => web.stop());
  const formUrl = `${await web.ready}/f/${form.slug}`;
  const measureForm = async (name: string, headers: Record<string, string>) => {
    let afterId = 0;
    const run = await measure(name, web, { url: formUrl, headers }, posts.next, async (warm) => {
      // Posts signed in advance for three times the warm-up's pace (its code is not yet hot).
      posts.refill(Math.ceil(perSecond(warm) * load.seconds * 3));
      afterId = await settledMaxInboxId(store);
    });
    const inbox = await checkInbox(store, form.channelId, afterId, run);
    return { ...run, inbox, lateTokens: posts.late };
  };
  const json = await measureForm('form, JSON answers', JSON_ANSWER);
  const html = await measureForm('form, HTML answers', HTML_ANSWER);
  await web.stop();

  const bare = startServer('bare', process.env);
  defer(() => bare.stop());
  const bareTarget = { url: `${await bare.ready}/f/${form.slug}`, headers: JSON_ANSWER };
  posts.refill(10_000);
  const bareRun = await measure('bare Express', bare, bareTarget, posts.again);
  await bare.stop();
  return formatForms({ load, inboxCommitMs, json, html, bare: bareRun });
}

function readFormsOptions(args: string[]): { seconds: number; connections: number } {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`--${name} must be a positive integer, got "${text}"\n${USAGE}`);
    return value;
  };
  return {
    seconds: positive('seconds', values.seconds),
    connections: positive('connections', values.connections),
  };
}

/** A post as a browser sends this form: the visible fields, the token, the empty hidden inputs. */
function postMaker(secret: string, formId: number): () => Post {
  let n = 0;
  return () => {
    n += 1;
    const token = issueToken(secret, formId, new Date());
    const fields = {
      name: `Bench Sender ${n}`,
      email: `sender${n}@bench.example`,
      terms: 'yes',
      lw_token: token,
      lw_page: '',
      lw_referrer: '',
      lw_website: '',
    };
    const submissionId = token.split('.')[3] ?? '';
    return {
      body: Buffer.from(new URLSearchParams(fields).toString()),
      externalId: `sub-${submissionId}`,
    };
  };
}

/** Posts signed before a run, so signing is not the load tool's work; made on the spot if short. */
class PostPool {
  private posts: Post[] = [];
  private used = 0;
  /** Posts made during the run because the pool ran out. */
  late = 0;

  constructor(private readonly make: () => Post) {}

  refill(count: number): void {
    this.posts = Array.from({ length: count }, () => this.make());
    this.used = 0;
    this.late = 0;
  }

  readonly next = (): Post => {
    const post = this.posts[this.used++];
    if (post) return post;
    this.late += 1;
    return this.make();
  };

  /** For the bare handler, which keeps nothing: the same posts over and over. */
  readonly again = (): Post => this.posts[this.used++ % this.posts.length] as Post;
}

interface Target {
  url: string;
  headers: Record<string, string>;
}

type FormRun = Fired & { usage: Usage; lateTokens: number; inbox: InboxCheck };

interface FormsResults {
  load: { seconds: number; connections: number };
  inboxCommitMs: number;
  json: FormRun;
  html: FormRun;
  bare: Fired & { usage: Usage };
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const perSecond = ({ result }: Fired) => result['2xx'] / result.duration;

function formatForms({ load, inboxCommitMs, json, html, bare }: FormsResults): string {
  const ratio = perSecond(json) / perSecond(bare);
  const lines = [
    `Leadwire forms bench: POST /f/:slug, ${load.connections} connections, ${load.seconds} s per run ` +
      `after a ${WARMUP_SECONDS} s warm-up, ${availableParallelism()} CPUs`,
    ...describeRun('form, JSON answers', json),
    ...describeInbox(json),
    ...describeRun('form, HTML answers', html),
    ...describeInbox(html),
    ...describeRun('bare Express 5', bare),
    `  ratio                ${ratio.toFixed(2)} (form JSON / bare Express); HTML ` +
      `${(perSecond(html) / perSecond(bare)).toFixed(2)}`,
    `  inbox commit         ${inboxCommitMs.toFixed(2)} ms per message with its own fsync ` +
      `(one web process: <= ${int(1000 / inboxCommitMs)} posts/s)`,
    `bench: forms_per_sec=${Math.round(perSecond(json))} bare_per_sec=${Math.round(perSecond(bare))} ` +
      `ratio=${ratio.toFixed(2)}`,
  ];
  return `${lines.join('\n')}\n`;
}

const INDENT = ' '.repeat(23);

function describeRun(name: string, run: Fired & { usage: Usage }): string[] {
  const { result, usage } = run;
  const { server, others } = usage;
  const lines = [
    `  ${name.padEnd(20)} ${int(perSecond(run))} accepted/s (mean ${int(result.requests.mean)} ` +
      `req/s): 2xx ${int(result['2xx'])}, other ${int(result.non2xx)}, errors ${result.errors} ` +
      `in ${result.duration.toFixed(1)} s`,
    `${INDENT}latency mean ${result.latency.mean.toFixed(1)} ms, p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    `${INDENT}CPU, in cores: server ${server.cpu.toFixed(2)} ` +
      `(${((server.cpu * 1000) / perSecond(run)).toFixed(2)} ms per answer, ` +
      `event loop busy ${Math.round(server.loopBusy * 100)}%), load tool ${usage.loadTool.toFixed(2)}, ` +
      `redis-server ${usage.redis.toFixed(2)}` +
      (others === undefined ? '' : `, rest of the machine ${others.toFixed(2)}`),
  ];
  if (result.non2xx || result.errors) lines.push(`    WARNING: answers ${statuses(result)}`);
  if (others !== undefined && others > 0.25)
    lines.push(
      `    WARNING: the rest of the machine used ${others.toFixed(2)} cores: figures may be low`,
    );
  if (usage.loadTool > 0.9)
    lines.push('    WARNING: the load tool used a whole core: the figure may be its limit');
  return lines;
}

/** Every 2xx answer must have its own row; other rows are posts whose answer was never read. */
function describeInbox({ inbox, result, lateTokens }: FormRun): string[] {
  const accepted = result['2xx'];
  const exact = inbox.acceptedWithRow === accepted && inbox.acceptedDistinct === accepted;
  const lines = [
    `${INDENT}inbox: ${int(inbox.rows)} new rows = ${int(accepted)} 2xx answers, ` +
      (exact ? 'each with its own row' : `but only ${int(inbox.acceptedWithRow)} with a row`) +
      `, + ${inbox.unanswered} posts in flight when the load stopped (answer not read)`,
  ];
  if (!exact) lines.push('    WARNING: 2xx answers without an inbox row of their own');
  if (inbox.refusedWithRow)
    lines.push(`    WARNING: ${inbox.refusedWithRow} posts answered non-2xx have an inbox row`);
  if (inbox.unanswered > inbox.unansweredPosts)
    lines.push(`    WARNING: only ${inbox.unansweredPosts} posts were left unanswered`);
  if (lateTokens) lines.push(`    note: ${lateTokens} tokens were signed during the run`);
  return lines;
}
