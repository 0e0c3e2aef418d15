/**
 * The worker's email step: the stored .eml read from the blob store and parsed with the sender
 * lists of its channel (humanSenders from the stored settings, the channel's own addresses).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { expandEmail, normaliseExpandedEmail } from '../../../../connectors/email/ingest.ts';
import type { EmailRaw } from '../../../../connectors/email/parsed.ts';
import type { ChannelInfo } from '../../../../core/ports.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { FileBlobStore } from '../../../../db/files/blob-store.ts';
import { fixture, salesMailbox } from './fixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-emailexpand-'));
const blobs = new FileBlobStore(path.join(dir, 'blobs'));
const deps = {
  blobs,
  maxAttachmentBytes: 1024 * 1024,
  credentials: { secretsKey: undefined, readVariable: () => undefined },
  log: createLogger('silent', 'test', new Writable({ write: (_chunk, _encoding, done) => done() })),
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function channel(settings: Record<string, unknown> | undefined): ChannelInfo {
  return {
    id: 4,
    kind: 'email',
    defaultCountry: 'ES',
    appendScope: 'any',
    ownIdentityKeys: ['email:sales@shop.example'],
    ...(settings ? { settings } : {}),
  };
}

const stored = salesMailbox;

async function expandFixture(name: string, settings: Record<string, unknown> | undefined) {
  const eml = fixture(name);
  const raw: EmailRaw = {
    kind: 'email',
    folder: 'INBOX',
    uidValidity: 1,
    uid: 7,
    size: eml.length,
    blob: await blobs.putDurable(eml),
    receivedAt: '2026-11-24T12:00:00.000Z',
  };
  return expandEmail(raw, deps, channel(settings));
}

describe('expandEmail', () => {
  it('parses with the humanSenders of the channel’s stored settings', async () => {
    const settings = stored(['noreply@shop.example']);
    const expanded = await expandFixture('form-mailer-body.eml', settings);
    expect(expanded.parsed.automated).toBeNull();
    expect(expanded.parsed.fromRole).toBe('form-mailer');
    const message = normaliseExpandedEmail(expanded, { externalId: 'x', defaultCountry: 'ES' });
    expect(message.identities.map((identity) => identity.key)).toEqual([
      'email:lucia.fernandez@example.es',
    ]);
  });

  it.each([
    ['no settings', undefined],
    ['settings that do not parse', { imap: 'not settings' }],
    ['settings stored before humanSenders existed', { ...stored([]), humanSenders: undefined }],
  ])('falls back to no humanSenders with %s', async (_, settings) => {
    const expanded = await expandFixture('form-mailer-body.eml', settings);
    expect(expanded.parsed.automated?.reason).toMatch(/^sent from a no-reply address/);
  });

  it('knows the channel’s own addresses: a website sending as the shop is not the customer', async () => {
    const expanded = await expandFixture('reply-to.eml', stored([]));
    const eml = fixture('reply-to.eml')
      .toString('latin1')
      .replace('From: Shop Website <no-reply@shop.example>', 'From: Shop <sales@shop.example>');
    const asShop = await expandEmail(
      {
        kind: 'email',
        folder: 'INBOX',
        uidValidity: 1,
        uid: 8,
        size: eml.length,
        blob: await blobs.putDurable(Buffer.from(eml, 'latin1')),
        receivedAt: '2026-11-24T12:00:00.000Z',
      },
      deps,
      channel(stored([])),
    );
    expect(expanded.parsed.fromRole).toBe('no-reply');
    expect(asShop.parsed.fromRole).toBe('own-address');
    const message = normaliseExpandedEmail(asShop, { externalId: 'y', defaultCountry: 'ES' });
    expect(message.identities.map((identity) => identity.key)).toEqual([
      'email:carla.gomez@example.org',
    ]);
  });
});
