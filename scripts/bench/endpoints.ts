/**
 * The intake endpoints (`forms`, `telegram`, `intake`): the `web` role answering posts driven by
 * autocannon, beside the limit: a bare Express 5 handler of the same post (bare-server.ts: the
 * same body parsed, the same secret compared) in a process of its own, in the same run. Every
 * 2xx answer is checked against its inbox row. No worker runs: the queue just fills.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../core/repositories/index.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { scopedExternalId } from '../../connectors/api/schema.ts';
import { issueToken } from '../../connectors/site/token.ts';
import {
  newWebhookSecret,
  storeTelegramSettings,
  telegramSettingsInput,
  webhookPath,
} from '../../connectors/telegram/config.ts';
import { formDefinition } from '../../connectors/webform/definition.ts';
import { CONTACT_FORM } from '../../test/helpers/site.ts';
import { newBotToken, privateText } from '../../test/helpers/telegram.ts';
import { siteSecret } from '../boot.ts';
import { defineMode, int, type Mode } from './context.ts';
import { auditAnswers, settledMaxInboxId } from './ledger.ts';
import { acceptedPerSecond, fire, statuses, type Fired, type Post } from './load.ts';
import { describeCpu, startCpuMeter } from './proc.ts';
import { startHelper, startWeb } from './processes.ts';
import { intakeKey, senderStream } from './senders.ts';
import { createWorkspace, STORE_OPTIONS } from './workspace.ts';

const WARMUP_SECONDS = 2;
/** Rate limits still cost their Redis round trip per post, but never refuse one. */
const NEVER_LIMITED = '1000000000';

/** What differs between the endpoints: the channel set up, the post, the bare handler. */
interface Endpoint {
  summary: string;
  /** Creates what the posts need; `bare` is bare-server.ts's arguments. */
  setup(
    store: Store,
    env: NodeJS.ProcessEnv,
  ): Promise<{
    path: string;
    channelId: number;
    headers: Record<string, string>;
    makePost: () => Post;
    bare: string[];
  }>;
}

const FORM_HEADERS = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'application/json',
};

const forms: Endpoint = {
  summary: 'POST /f/:slug (a seven-field form, JSON answers) vs a bare Express handler',
  async setup(store, env) {
    const { fields, successText, ...about } = CONTACT_FORM;
    const dailyCap = Number(NEVER_LIMITED);
    const definition = formDefinition.parse({ fields, successText, dailyCap });
    const form = await store.forms.create(
      'webform',
      { ...about, operatorIds: [], active: true, definition },
      new Date(),
    );
    const secret = await siteSecret(store, loadConfig(env).forms.secret);
    let n = 0;
    const makePost = (): Post => {
      n += 1;
      const token = issueToken(secret, form.id, new Date());
      const fields = { name: `Bench Sender ${n}`, email: `sender${n}@bench.example`, terms: 'yes' };
      const hidden = { lw_token: token, lw_page: '', lw_referrer: '', lw_website: '' };
      const body = new URLSearchParams({ ...fields, ...hidden }).toString();
      return { body: Buffer.from(body), externalId: `sub-${token.split('.')[3] ?? ''}` };
    };
    return {
      path: `/f/${form.slug}`,
      channelId: form.channelId,
      headers: FORM_HEADERS,
      makePost,
      bare: ['form'],
    };
  },
};

const TEXT = 'Hola, ¿tenéis la chaqueta Nord en talla M?';

const telegram: Endpoint = {
  summary: "the bot's webhook (text updates from 10,000 users) vs a bare Express handler",
  async setup(store, env) {
    const { secret, hash } = newWebhookSecret();
    const input = telegramSettingsInput.parse({
      token: { value: newBotToken() },
      mode: 'webhook',
      publicBaseUrl: 'http://127.0.0.1',
    });
    const settings = storeTelegramSettings(input, loadConfig(env).secretsKey, undefined);
    const channel = await store.channels.create({
      kind: 'telegram',
      name: 'Bench bot',
      defaultCountry: 'ES',
      appendScope: 'any',
      active: true,
      operatorIds: [],
      config: { ...settings, webhookSecretHash: hash },
    });
    let n = 0;
    const makePost = (): Post => {
      n += 1;
      const user = 6_000_000_000 + (n % 10_000);
      const date = Math.floor(Date.now() / 1000);
      const update = { update_id: 500_000_000 + n, ...privateText(user, n, TEXT, date) };
      return { body: Buffer.from(JSON.stringify(update)), externalId: `u${update.update_id}` };
    };
    const headers = {
      'content-type': 'application/json',
      'x-telegram-bot-api-secret-token': secret,
    };
    return {
      path: webhookPath(channel.id),
      channelId: channel.id,
      headers,
      makePost,
      bare: ['telegram', secret],
    };
  },
};

const intake: Endpoint = {
  summary: 'POST /api/v1/leads with an intake key and an Idempotency-Key vs a bare Express handler',
  async setup(store) {
    const { key, id: keyId } = await intakeKey(store);
    const next = senderStream(1, 0);
    let n = 0;
    const makePost = (): Post => {
      n += 1;
      const headers = { 'idempotency-key': `bench-${n}` };
      const externalId = scopedExternalId(keyId, headers['idempotency-key']);
      return { body: Buffer.from(JSON.stringify(next())), externalId, headers };
    };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    return { path: '/api/v1/leads', channelId: 1, headers, makePost, bare: ['intake', key] };
  },
};

const endpointMode = (endpoint: Endpoint): Mode =>
  defineMode({
    summary: endpoint.summary,
    options: { seconds: 15, connections: 50, ...STORE_OPTIONS },
    async run(run, options) {
      const load = { seconds: options.seconds, connections: options.connections };
      const workspace = await createWorkspace(run, options);
      const env = workspace.env({
        LOG_LEVEL: 'warn',
        SECRETS_KEY: randomBytes(32).toString('hex'),
        FORM_MIN_FILL_MS: '0',
        FORM_RATE_LIMIT_PER_MINUTE: NEVER_LIMITED,
        RATE_LIMIT_PER_MINUTE: NEVER_LIMITED,
      });
      const store = await workspace.open();
      const target = await endpoint.setup(store, env);

      /** A warm-up, then the timed run, with where the CPU went meanwhile. */
      const measure = async (name: string, pid: number, url: string) => {
        run.progress(`${name}: ${WARMUP_SECONDS} s warm-up, then ${load.seconds} s`);
        const request = { url, headers: target.headers };
        const warm = await fire(
          request,
          { ...load, seconds: WARMUP_SECONDS },
          target.makePost,
          run.signal,
        );
        if (!warm.result['2xx'])
          throw new Error(`${url} accepted no post in the warm-up: ${statuses(warm.result)}`);
        const afterId = await settledMaxInboxId(store);
        const meter = await startCpuMeter({ [name]: pid }, workspace.redis);
        const fired = await fire(request, load, target.makePost, run.signal);
        return { fired, cpu: await meter.take(), afterId };
      };

      const { web, baseUrl } = await startWeb(run, env);
      const leadwire = await measure('web', web.pid, `${baseUrl}${target.path}`);
      const where = { channelId: target.channelId, afterId: leadwire.afterId };
      const check = await auditAnswers(store, where, leadwire.fired);
      await web.stop();
      const bare = startHelper(run, './bare-server.ts', target.bare);
      const { port } = (await bare.logged('ready')) as unknown as { port: number };
      const limit = await measure('bare', bare.pid, `http://127.0.0.1:${port}${target.path}`);
      await bare.stop();

      const rate = acceptedPerSecond(leadwire.fired);
      const lines = [
        `Leadwire ${target.path} bench (${workspace.store}): ${load.connections} connections, ` +
          `${load.seconds} s after a ${WARMUP_SECONDS} s warm-up`,
        ...describeRun('web', leadwire.fired, leadwire.cpu, 'web'),
        ...check.lines.map((line) => `    inbox: ${line}`),
        ...describeRun('bare Express 5', limit.fired, limit.cpu, 'bare'),
      ];
      return {
        lines,
        figure: ['posts_per_s', rate],
        limit: acceptedPerSecond(limit.fired),
        failed: !check.ok,
      };
    },
  });

export const formsMode = endpointMode(forms);
export const telegramMode = endpointMode(telegram);
export const intakeMode = endpointMode(intake);

function describeRun(
  name: string,
  run: Fired,
  cpu: Record<string, number>,
  /** The server's process among the CPU shares. */
  process: string,
): string[] {
  const { result } = run;
  const server = cpu[process] ?? 0;
  const lines = [
    `  ${name.padEnd(16)} ${int(acceptedPerSecond(run))} accepted/s: 2xx ${int(result['2xx'])}, ` +
      `other ${int(result.non2xx)}, errors ${result.errors}; latency p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms`,
    `    CPU in cores     ${describeCpu(cpu)} (${((server * 1000) / acceptedPerSecond(run)).toFixed(2)} ms per answer)`,
  ];
  if (result.non2xx || result.errors) lines.push(`    WARNING: answers ${statuses(result)}`);
  if ((cpu.bench ?? 0) > 0.9)
    lines.push('    WARNING: the load tool used a whole core: the figure may be its limit');
  return lines;
}
