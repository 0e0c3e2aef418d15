/**
 * The connector's reading carried in the inbox row: made for what the worker can take as it is,
 * taken by the worker only when it would read the .eml the same way now, and otherwise the .eml
 * is read and parsed as for a row recorded before readings were carried.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CARRY_MAX_EML_BYTES,
  PARSER_FINGERPRINT,
  parserFingerprint,
  carryParse,
  type CarriedParse,
} from '../../../../connectors/email/carried-parse.ts';
import { expandEmail } from '../../../../connectors/email/ingest.ts';
import { parseEmail } from '../../../../connectors/email/parse.ts';
import type { EmailRaw } from '../../../../connectors/email/parsed.ts';
import type { ChannelInfo } from '../../../../core/ports.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { FileBlobStore } from '../../../../db/files/blob-store.ts';
import { fixture, fixtureText, salesMailbox } from './fixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-carried-'));
const blobs = new FileBlobStore(path.join(dir, 'blobs'));
const MAX_ATTACHMENT = 1024 * 1024;
const deps = {
  blobs,
  maxAttachmentBytes: MAX_ATTACHMENT,
  credentials: { secretsKey: undefined, readVariable: () => undefined },
  log: createLogger('silent', 'test', new Writable({ write: (_chunk, _encoding, done) => done() })),
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings = salesMailbox;

const channel = (humanSenders: string[]): ChannelInfo => ({
  id: 4,
  kind: 'email',
  defaultCountry: 'ES',
  appendScope: 'any',
  ownIdentityKeys: settings(humanSenders).ownIdentityKeys,
  settings: settings(humanSenders),
});

const carry = (eml: Buffer, humanSenders: string[] = []) =>
  carryParse(eml, { settings: settings(humanSenders), maxAttachmentBytes: MAX_ATTACHMENT });

/** An inbox row as the connector records it; `stored: false` leaves the .eml out of the store. */
async function row(eml: Buffer, carried: CarriedParse | undefined, stored = true) {
  const blob = stored ? await blobs.putDurable(eml) : 'f'.repeat(64);
  const raw: EmailRaw = {
    kind: 'email',
    folder: 'INBOX',
    uidValidity: 1,
    uid: 7,
    size: eml.length,
    blob,
    receivedAt: '2026-11-24T12:00:00.000Z',
    ...carried,
  };
  // Through JSON, as the row is stored.
  return JSON.parse(JSON.stringify(raw)) as unknown;
}

describe('carryParse (the connector)', () => {
  it('reads a message as the worker would, and says what with', async () => {
    const eml = fixture('reply-thread.eml');
    const carried = await carry(eml);
    const own = settings([]).ownIdentityKeys;
    expect(carried?.parsedFor).toEqual({
      parser: PARSER_FINGERPRINT,
      humanSenders: [],
      ownIdentityKeys: own,
      maxAttachmentBytes: MAX_ATTACHMENT,
    });
    const byWorker = await parseEmail(eml, {
      storeAttachment: () => Promise.reject(new Error('no files here')),
      maxAttachmentBytes: MAX_ATTACHMENT,
      humanSenders: [],
      ownIdentityKeys: own,
    });
    expect(carried?.parsed).toEqual(byWorker);
  });

  it('leaves a message with files to keep to the worker, and stores none of them', async () => {
    expect(await carry(fixture('multipart-attachments.eml'))).toBeUndefined();
  });

  it('leaves a message too large to the worker', async () => {
    const text = fixtureText('plain.eml');
    const large = Buffer.from(`${text}\r\n${'x'.repeat(CARRY_MAX_EML_BYTES)}\r\n`, 'latin1');
    expect(await carry(large)).toBeUndefined();
  });
});

describe('expandEmail with a carried reading (the worker)', () => {
  it('takes the reading without reading the .eml', async () => {
    const eml = fixture('reply-thread.eml');
    const carried = await carry(eml);
    // The .eml is not in the blob store: reading it would fail the row.
    const expanded = await expandEmail(await row(eml, carried, false), deps, channel([]));
    expect(expanded.parsed).toEqual(carried?.parsed);
  });

  it('parses the .eml again when the channel’s humanSenders changed since', async () => {
    const eml = fixture('form-mailer-body.eml');
    const carried = await carry(eml, []);
    expect(carried?.parsed.automated?.reason).toMatch(/^sent from a no-reply address/);
    const expanded = await expandEmail(
      await row(eml, carried),
      deps,
      channel(['noreply@shop.example']),
    );
    expect(expanded.parsed.automated).toBeNull();
    expect(expanded.parsed.fromRole).toBe('form-mailer');
  });

  it.each([
    ['other parser code', (c: CarriedParse) => ({ ...c.parsedFor, parser: 'f00dfeedf00dfeed' })],
    ['another attachment limit', (c: CarriedParse) => ({ ...c.parsedFor, maxAttachmentBytes: 1 })],
    ['other own addresses', (c: CarriedParse) => ({ ...c.parsedFor, ownIdentityKeys: [] })],
  ])('parses the .eml again for a reading made with %s', async (_, made) => {
    const eml = fixture('reply-thread.eml');
    const carried = (await carry(eml)) as CarriedParse;
    const stale = { parsed: { ...carried.parsed, subject: 'stale' }, parsedFor: made(carried) };
    const expanded = await expandEmail(await row(eml, stale), deps, channel([]));
    expect(expanded.parsed.subject).toBe(carried.parsed.subject);
  });

  it('parses the .eml again when the reading is not a reading or names a kept file', async () => {
    const eml = fixture('reply-thread.eml');
    const carried = (await carry(eml)) as CarriedParse;
    const file = { filename: 'a.pdf', contentType: 'application/pdf', size: 3, sha256: 'a' };
    for (const bad of [
      { parsed: { subject: 'half a reading' }, parsedFor: carried.parsedFor },
      { ...carried, parsed: { ...carried.parsed, subject: 'stale', attachments: [file] } },
    ]) {
      const raw = { ...((await row(eml, undefined)) as object), ...bad };
      const expanded = await expandEmail(raw, deps, channel([]));
      expect(expanded.parsed.subject).toBe(carried.parsed.subject);
    }
  });

  it('fails a row whose .eml is missing and whose reading cannot be used, with its reason', async () => {
    const eml = fixture('reply-thread.eml');
    const carried = (await carry(eml)) as CarriedParse;
    const stale = { ...carried, parsedFor: { ...carried.parsedFor, parser: 'f00dfeedf00dfeed' } };
    await expect(expandEmail(await row(eml, stale, false), deps, channel([]))).rejects.toThrow(
      /missing from the blob store/,
    );
  });
});

describe('the parser fingerprint', () => {
  it("changes with any of the parser folder's code, and with nothing else there", () => {
    const folder = path.join(dir, 'parser-code');
    mkdirSync(folder);
    const self = path.join(folder, 'carried-parse.ts');
    writeFileSync(self, 'export const a = 1;');
    writeFileSync(path.join(folder, 'reply.ts'), 'export const lines = ["On … wrote:"];');
    const before = parserFingerprint(self);
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    expect(parserFingerprint(self)).toBe(before);
    writeFileSync(path.join(folder, 'notes.md'), 'not code');
    expect(parserFingerprint(self)).toBe(before);
    writeFileSync(path.join(folder, 'reply.ts'), 'export const lines = ["El … escribió:"];');
    expect(parserFingerprint(self)).not.toBe(before);
    expect(PARSER_FINGERPRINT).not.toBe(before);
  });
});
