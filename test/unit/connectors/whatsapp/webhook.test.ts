/** The webhook's pure parts: Meta's signature, the verify token, and a post → inbox rows. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { hashVerifyToken, verifyTokenMatches } from '../../../../connectors/whatsapp/config.ts';
import type { WhatsAppSettings } from '../../../../connectors/whatsapp/config.ts';
import { inboxRows } from '../../../../connectors/whatsapp/rows.ts';
import { occasionalWarning } from '../../../../core/runtime/redis-outage.ts';
import { notification } from '../../../../connectors/whatsapp/schema.ts';
import { signatureMatches, signBody } from '../../../../connectors/whatsapp/signature.ts';
import { fixture, OURS, PHONE_NUMBER_ID, RECEIVED_AT, storedEvents } from './fixtures.ts';

const SECRET = 'c0ffee5ecret-of-the-meta-app';
const BODY = Buffer.from(JSON.stringify(fixture('text')));

describe('X-Hub-Signature-256', () => {
  it('matches the HMAC-SHA256 of the raw body with the app secret', () => {
    const header = signBody(BODY, SECRET);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signatureMatches(BODY, header, SECRET)).toBe(true);
    // Meta's hex may come in upper case.
    expect(signatureMatches(BODY, header.toUpperCase().replace('SHA256=', 'sha256='), SECRET)).toBe(
      true,
    );
  });

  it('refuses another secret, a changed body, a missing or malformed header', () => {
    const header = signBody(BODY, SECRET);
    expect(signatureMatches(BODY, signBody(BODY, `${SECRET}x`), SECRET)).toBe(false);
    expect(signatureMatches(Buffer.concat([BODY, Buffer.from(' ')]), header, SECRET)).toBe(false);
    expect(signatureMatches(BODY, undefined, SECRET)).toBe(false);
    expect(signatureMatches(BODY, '', SECRET)).toBe(false);
    expect(signatureMatches(BODY, header.slice('sha256='.length), SECRET)).toBe(false);
    expect(signatureMatches(BODY, header.slice(0, -2), SECRET)).toBe(false);
    expect(signatureMatches(BODY, `sha1=${header.slice(7)}`, SECRET)).toBe(false);
  });
});

describe('the verify token', () => {
  const settings = { verifyTokenHash: hashVerifyToken('our-verify-token') } as WhatsAppSettings;

  it('is kept as a SHA-256 and compared with what Meta sends', () => {
    expect(settings.verifyTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(settings.verifyTokenHash).not.toContain('our-verify-token');
    expect(verifyTokenMatches(settings, 'our-verify-token')).toBe(true);
    expect(verifyTokenMatches(settings, 'our-verify-tokeN')).toBe(false);
    expect(verifyTokenMatches(settings, '')).toBe(false);
    expect(verifyTokenMatches(settings, undefined)).toBe(false);
    expect(verifyTokenMatches(settings, ['our-verify-token'])).toBe(false);
  });
});

describe('a post → inbox rows', () => {
  it('makes one row per message and per status, keyed by wamid and status:<wamid>:<status>', () => {
    const events = storedEvents(fixture('batch'));
    expect(events.map((event) => event.externalId)).toEqual([
      'wamid.HBgLMzQ2MDAxMjM0NTYVAgASGBQzQTRB30MDM4MTAxNDRGAA==',
      'wamid.HBgLMzQ2MjIzMzQ0NTUVAgASGBQzQUI5MDM4MTAxNDRGAA==',
      `status:${OURS}:delivered`,
      `status:${OURS}:read`,
    ]);
    // Each message keeps its own sender's profile; statuses keep none.
    expect(
      events.map((event) => (event.raw.contact as { wa_id?: string } | undefined)?.wa_id),
    ).toEqual(['34600123456', '34622334455', undefined, undefined]);
    expect(events[0]?.raw).toMatchObject({
      kind: 'whatsapp',
      metadata: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: '15550783881' },
      message: { type: 'text', text: { body: '¿Abrís el sábado?' } },
      receivedAt: RECEIVED_AT.toISOString(),
    });
    expect(events[2]?.raw.status).toMatchObject({ id: OURS, status: 'delivered' });
  });

  it('skips changes of another phone number, other webhook fields, and a repeated event', () => {
    const body = fixture('batch') as { entry: { changes: Record<string, unknown>[] }[] };
    const [entry] = body.entry;
    if (!entry) throw new Error('no entry');
    const [first] = entry.changes;
    entry.changes.push(structuredClone(first) as Record<string, unknown>);
    entry.changes.push({
      field: 'message_template_status_update',
      value: { event: 'APPROVED', message_template_name: 'order_update' },
    });
    const post = inboxRows(notification.parse(body), PHONE_NUMBER_ID, RECEIVED_AT);
    expect(post.rows).toHaveLength(4);
    expect(post.otherFields).toEqual(['message_template_status_update']);
    const elsewhere = inboxRows(
      notification.parse(fixture('text')),
      '999999999999999',
      RECEIVED_AT,
    );
    expect(elsewhere).toMatchObject({ rows: [], foreign: [PHONE_NUMBER_ID] });
  });

  it("reports the number's own errors without making rows of them", () => {
    const post = inboxRows(
      notification.parse(fixture('value-errors')),
      PHONE_NUMBER_ID,
      RECEIVED_AT,
    );
    expect(post.rows).toEqual([]);
    expect(post.errors).toEqual([
      expect.objectContaining({ code: 130429, title: 'Rate limit hit' }),
    ]);
  });

  it('is not a notification without the whatsapp_business_account object and its entries', () => {
    expect(notification.safeParse({ object: 'page', entry: [] }).success).toBe(false);
    expect(notification.safeParse({ object: 'whatsapp_business_account' }).success).toBe(false);
    expect(notification.safeParse(fixture('status-failed')).success).toBe(true);
  });
});

describe('refusals in the log', () => {
  afterEach(() => vi.useRealTimers());

  it('are written the first time, then once a minute per channel with the count left out', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    vi.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') });
    const refused = occasionalWarning(
      createLogger('warn', 'test', sink),
      'unsigned post',
      60_000,
      (context) => String(context.channel),
    );
    for (let i = 0; i < 5; i++) refused('refused', { channel: '7', ip: '203.0.113.9' });
    refused('refused', { channel: '8' });
    vi.advanceTimersByTime(61_000);
    refused('refused', { channel: '7' });
    expect(lines.map(({ channel, alsoSince, msg }) => ({ channel, alsoSince, msg }))).toEqual([
      { channel: '7', alsoSince: undefined, msg: 'unsigned post' },
      { channel: '8', alsoSince: undefined, msg: 'unsigned post' },
      { channel: '7', alsoSince: 4, msg: 'unsigned post' },
    ]);
  });
});
