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
import { fire, statuses, type Post } from './load.ts';
import { describeCpu, startCpuMeter, startHelper, startWeb } from './processes.ts';
import { intakeKey, senderStream } from './senders.ts';

const WARMUP_SECONDS = 2;
/** Rate limits still cost their Redis round trip per post, but never refuse one. */
const NEVER_LIMITED = '1000000000';
const JSON_TYPE = { 'content-type': 'application/json' };

/** What differs between the endpoints: the channel set up, the post, the bare handler. */
interface Target {
  path: string;
  channelId: number;
  headers: Record<string, string>;
  /** Post number n (counted across the warm-ups and runs, so no two are the same). */
  makePost: (n: number) => Post;
  /** bare-server.ts's arguments. */
  bare: string[];
}

export const formsMode = endpointMode(
  'POST /f/:slug (a seven-field form, JSON answers) vs a bare Express handler',
  async (store, env) => {
    const { fields, successText, ...about } = CONTACT_FORM;
    const dailyCap = Number(NEVER_LIMITED);
    const definition = formDefinition.parse({ fields, successText, dailyCap });
    const form = await store.forms.create(
      'webform',
      { ...about, operatorIds: [], active: true, definition },
      new Date(),
    );
    const secret = await siteSecret(store, loadConfig(env).forms.secret);
    const makePost = (n: number): Post => {
      const token = issueToken(secret, form.id, new Date());
      const fields = { name: `Bench Sender ${n}`, email: `sender${n}@bench.example`, terms: 'yes' };
      const hidden = { lw_token: token, lw_page: '', lw_referrer: '', lw_website: '' };
      const body = new URLSearchParams({ ...fields, ...hidden }).toString();
      return { body: Buffer.from(body), externalId: `sub-${token.split('.')[3] ?? ''}` };
    };
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    return {
      path: `/f/${form.slug}`,
      channelId: form.channelId,
      headers,
      makePost,
      bare: ['form'],
    };
  },
);

const TEXT = 'Hola, ¿tenéis la chaqueta Nord en talla M?';

export const telegramMode = endpointMode(
  "the bot's webhook (text updates from 10,000 users) vs a bare Express handler",
  async (store, env) => {
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
    const makePost = (n: number): Post => {
      const user = 6_000_000_000 + (n % 10_000);
      const date = Math.floor(Date.now() / 1000);
      const update = { update_id: 500_000_000 + n, ...privateText(user, n, TEXT, date) };
      return { body: Buffer.from(JSON.stringify(update)), externalId: `u${update.update_id}` };
    };
    return {
      path: webhookPath(channel.id),
      channelId: channel.id,
      headers: { ...JSON_TYPE, 'x-telegram-bot-api-secret-token': secret },
      makePost,
      bare: ['telegram', secret],
    };
  },
);

export const intakeMode = endpointMode(
  'POST /api/v1/leads with an intake key and an Idempotency-Key vs a bare Express handler',
  async (store) => {
    const { key, id: keyId } = await intakeKey(store);
    const next = senderStream(1, 0);
    const makePost = (n: number): Post => {
      const headers = { 'idempotency-key': `bench-${n}` };
      const externalId = scopedExternalId(keyId, headers['idempotency-key']);
      return { body: Buffer.from(JSON.stringify(next())), externalId, headers };
    };
    const headers = { ...JSON_TYPE, authorization: `Bearer ${key}` };
    return { path: '/api/v1/leads', channelId: 1, headers, makePost, bare: ['intake', key] };
  },
);

function endpointMode(
  summary: string,
  setup: (store: Store, env: NodeJS.ProcessEnv) => Promise<Target>,
): Mode {
  return defineMode({
    summary,
    options: { seconds: 15, connections: 50 },
    async run(run, options, workspace) {
      const { store } = workspace;
      const env = workspace.env({
        LOG_LEVEL: 'warn',
        SECRETS_KEY: randomBytes(32).toString('hex'),
        FORM_MIN_FILL_MS: '0',
        FORM_RATE_LIMIT_PER_MINUTE: NEVER_LIMITED,
        RATE_LIMIT_PER_MINUTE: NEVER_LIMITED,
      });
      const target = await setup(store, env);
      let posts = 0;
      const next = () => target.makePost(++posts);

      /** A warm-up, then the timed run, with where the CPU went meanwhile, and its lines. */
      const measure = async (name: string, label: string, pid: number, url: string) => {
        run.progress(`${name}: ${WARMUP_SECONDS} s warm-up, then ${options.seconds} s`);
        const load = { url, headers: target.headers, connections: options.connections, next };
        const warm = await fire({ ...load, seconds: WARMUP_SECONDS }, run.signal);
        if (!warm.result['2xx'])
          throw new Error(`${url} accepted no post in the warm-up: ${statuses(warm.result)}`);
        const afterId = await settledMaxInboxId(store);
        const meter = await startCpuMeter({ [name]: pid }, workspace.redis);
        const { result, accepted } = await fire({ ...load, seconds: options.seconds }, run.signal);
        const cpu = await meter.take();
        const rate = result['2xx'] / result.duration;
        const perAnswer = ((cpu[name] ?? 0) * 1000) / rate;
        const lines = [
          `  ${label.padEnd(16)} ${int(rate)} accepted/s: 2xx ${int(result['2xx'])}, ` +
            `other ${int(result.non2xx)}, errors ${result.errors}; latency p50 ${result.latency.p50} ms, ` +
            `p99 ${result.latency.p99} ms`,
          `    CPU in cores     ${describeCpu(cpu)} (${perAnswer.toFixed(2)} ms per answer)`,
        ];
        if (result.non2xx || result.errors) lines.push(`    WARNING: answers ${statuses(result)}`);
        if ((cpu.bench ?? 0) > 0.9)
          lines.push('    WARNING: the load tool used a whole core: the figure may be its limit');
        return { rate, accepted, afterId, lines };
      };

      const { web, baseUrl } = await startWeb(run, env);
      const leadwire = await measure('web', 'web', web.pid, `${baseUrl}${target.path}`);
      const where = { channelId: target.channelId, afterId: leadwire.afterId };
      const check = await auditAnswers(store, where, leadwire.accepted);
      await web.stop();
      const bare = await startHelper(run, './bare-server.ts', target.bare);
      const bareUrl = `${bare.baseUrl}${target.path}`;
      const limit = await measure('bare', 'bare Express 5', bare.pid, bareUrl);
      await bare.stop();
      return {
        lines: [
          `Leadwire ${target.path} bench (${store.kind}): ${options.connections} connections, ` +
            `${options.seconds} s after a ${WARMUP_SECONDS} s warm-up`,
          ...leadwire.lines,
          ...check.lines.map((line) => `    inbox: ${line}`),
          ...limit.lines,
        ],
        figure: ['posts_per_s', leadwire.rate],
        limit: limit.rate,
        failed: !check.ok,
      };
    },
  });
}
