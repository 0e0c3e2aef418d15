/** Drafting a reply, the greeting, and what the channel shows of itself (health, test, onSaved). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthDeps } from '../../../../core/channel.ts';
import type { ChannelBlock, ChannelRecord } from '../../../../core/repositories/channels.ts';
import type { MessageRecord } from '../../../../core/repositories/leads.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { whatsappChannel } from '../../../../connectors/whatsapp/index.ts';
import { whatsappSettingsSupport } from '../../../../connectors/whatsapp/settings.ts';
import { startFakeGraph, type FakeGraph } from '../../../helpers/whatsapp-graph.ts';

const KEY = 'r'.repeat(40);
const TOKEN = 'EAAGreply-test-access-token-01234567';
const NUMBER_ID = '300000000000003';
const credentials = { secretsKey: KEY, readVariable: () => undefined };
const log = createLogger('silent');
// WhatsApp keeps no checkpoints: the repositories are not read.
const health: HealthDeps = { repos: {} as HealthDeps['repos'], credentials, log };
let graph: FakeGraph;

beforeAll(async () => {
  graph = await startFakeGraph();
  graph.addNumber({
    phoneNumberId: NUMBER_ID,
    token: TOKEN,
    displayPhoneNumber: '+34 910 00 00 00',
    verifiedName: 'Tienda Nord',
    qualityRating: 'GREEN',
  });
});
afterAll(() => graph?.close());

function channel(extra: Record<string, unknown> = {}, token = TOKEN): ChannelRecord {
  const prepared = whatsappSettingsSupport.prepare(
    {
      phoneNumberId: NUMBER_ID,
      accessToken: { value: token },
      appSecret: { env: 'LEADWIRE_SECRET_NOT_SET_ANYWHERE' },
      verifyToken: 'verify-me-please',
      apiRoot: graph.apiRoot,
      ...extra,
    },
    { secretsKey: KEY, now: new Date(), previous: undefined },
  );
  if (!prepared.ok) throw new Error(JSON.stringify(prepared.issues));
  return {
    id: 21,
    kind: 'whatsapp',
    name: 'Tienda Nord',
    config: prepared.config,
    defaultCountry: 'ES',
    appendScope: 'any',
    lastAssignedUserId: null,
    active: true,
    createdAt: new Date(),
    operatorIds: [],
  };
}

const inbound = (whatsapp: Record<string, unknown>): MessageRecord => ({
  id: 1,
  leadId: 5,
  channelId: 21,
  direction: 'in',
  externalId: 'wamid.in',
  inboxId: 1,
  sender: 'Ana Pérez <+34600123456>',
  text: 'Hola',
  sentAt: new Date(),
  meta: { whatsapp },
  delivery: null,
  createdAt: new Date(),
});

const blocks = (blocked?: ChannelBlock) => ({ channels: { blockOf: async () => blocked } });
const replies = whatsappChannel.replies;
if (!replies) throw new Error('the WhatsApp channel has no replies');

describe('drafting a reply', () => {
  it("answers the wa_id of the customer's message, as text", async () => {
    const route = { leadId: 5, message: inbound({ waId: '34600123456' }), channel: channel() };
    const draft = await replies.draft(route, { text: 'Le llamamos a las 10' }, blocks());
    expect(draft).toEqual({
      ok: true,
      externalId: expect.stringMatching(/^wa-out-[0-9a-f-]{36}$/),
      sender: 'Tienda Nord',
      text: 'Le llamamos a las 10',
      meta: { whatsapp: { to: '34600123456', identityKey: 'phone:+34600123456' } },
    });
  });

  it("shows a template's name and values, and refuses a malformed one", async () => {
    const route = { leadId: 5, message: inbound({ waId: '34600123456' }), channel: channel() };
    const template = { name: 'follow_up', language: 'es_ES', parameters: ['Ana', 'mañana'] };
    const draft = await replies.draft(route, { text: '', template }, blocks());
    expect(draft).toMatchObject({
      ok: true,
      text: 'Template follow_up (es_ES): Ana | mañana',
      meta: { whatsapp: { template } },
    });
    const bad = { ...template, name: 'Follow Up!' };
    expect(await replies.draft(route, { text: '', template: bad }, blocks())).toMatchObject({
      ok: false,
      code: 'cannot_send',
    });
  });

  it('refuses a customer with no number, and one the channel cannot reach', async () => {
    const hidden = { leadId: 5, message: inbound({ userId: 'ES.1' }), channel: channel() };
    expect(await replies.draft(hidden, { text: 'Hola' }, blocks())).toMatchObject({
      ok: false,
      code: 'cannot_send',
    });
    const route = { leadId: 5, message: inbound({ waId: '34600123456' }), channel: channel() };
    const block = {
      channelId: 21,
      identityKey: 'phone:+34600123456',
      reason: 'number no longer on WhatsApp',
      blockedAt: new Date(),
    };
    expect(await replies.draft(route, { text: 'Hola' }, blocks(block))).toEqual({
      ok: false,
      code: 'unreachable',
      message: 'the customer cannot be answered on WhatsApp: number no longer on WhatsApp',
    });
  });

  it('greets with the channel greeting, when it has one', () => {
    expect(replies.greeting?.(channel({ greeting: '¡Hola! Enseguida le atendemos.' }))).toBe(
      '¡Hola! Enseguida le atendemos.',
    );
    expect(replies.greeting?.(channel())).toBeUndefined();
  });
});

describe('health, test and onSaved', () => {
  it("shows Graph's view of the number, or why it cannot", async () => {
    expect(await whatsappChannel.health?.(channel(), health)).toEqual({
      // Where Meta must post, shown on the channel's page.
      callbackUrl: `/whatsapp/${channel().id}/webhook`,
      displayPhoneNumber: '+34 910 00 00 00',
      verifiedName: 'Tienda Nord',
      qualityRating: 'GREEN',
    });
    const broken = await whatsappChannel.health?.(channel({}, 'EAAGrevoked-token-000000'), health);
    expect(broken).toEqual({
      callbackUrl: `/whatsapp/${channel().id}/webhook`,
      error: expect.stringContaining('Invalid OAuth access token'),
    });
    expect(JSON.stringify(broken)).not.toContain('revoked-token');
  });

  it('says line by line what works', async () => {
    const checks = await whatsappChannel.test?.(channel(), health);
    expect(checks).toEqual([
      {
        name: 'app secret',
        ok: false,
        detail: 'the environment variable LEADWIRE_SECRET_NOT_SET_ANYWHERE is not set',
      },
      {
        name: 'access token',
        ok: true,
        detail: 'works: phone number +34 910 00 00 00 (Tienda Nord), quality GREEN',
      },
    ]);
    const refused = await whatsappChannel.test?.(channel({}, 'EAAGrevoked-token-000000'), health);
    expect(refused?.[1]).toMatchObject({ name: 'access token', ok: false });
  });

  it('tells the admin what to type into Meta: the webhook URL and the verify token', async () => {
    const deps = { channels: { setConfig: async () => undefined }, credentials, log };
    expect(await whatsappChannel.onSaved?.(channel(), deps)).toEqual({
      webhook: {
        url: '/whatsapp/21/webhook',
        verifyToken: 'the one you gave',
        subscribe: ['messages'],
        note: expect.stringContaining('one callback URL'),
      },
    });
    const published = channel({ publicBaseUrl: 'https://leads.example.com' });
    expect(await whatsappChannel.onSaved?.(published, deps)).toMatchObject({
      webhook: { url: 'https://leads.example.com/whatsapp/21/webhook' },
    });
  });
});
