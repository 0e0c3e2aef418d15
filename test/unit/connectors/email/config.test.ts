import { describe, expect, it } from 'vitest';
import {
  emailSettings,
  emailSettingsInput,
  storeEmailSettings,
} from '../../../../connectors/email/config.ts';

const body = {
  imap: {
    host: 'imap.shop.example',
    user: 'sales@shop.example',
    password: { env: 'LEADWIRE_SECRET_SALES_IMAP' },
  },
};

describe('humanSenders in a mailbox channel’s settings', () => {
  it('takes addresses and @domain entries, and none by default', () => {
    const given = emailSettingsInput.parse({
      ...body,
      humanSenders: ['noreply@shop.example', '@forms.shop.example'],
    });
    expect(given.humanSenders).toEqual(['noreply@shop.example', '@forms.shop.example']);
    expect(emailSettingsInput.parse(body).humanSenders).toEqual([]);
  });

  it.each(['shop.example', '@', '@localhost', 'no reply@shop.example', '@shop example.com'])(
    'refuses %j',
    (entry) => {
      const result = emailSettingsInput.safeParse({ ...body, humanSenders: [entry] });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['humanSenders', 0]);
    },
  );

  it('is stored, and settings stored before it existed still parse, with none', () => {
    const input = emailSettingsInput.parse({ ...body, humanSenders: ['@forms.shop.example'] });
    const stored = storeEmailSettings(input, undefined, new Date('2026-11-24T10:00:00Z'));
    expect(stored.humanSenders).toEqual(['@forms.shop.example']);
    expect(emailSettings.parse(JSON.parse(JSON.stringify(stored))).humanSenders).toEqual([
      '@forms.shop.example',
    ]);
    const { humanSenders: _, ...old } = stored;
    expect(emailSettings.parse(old).humanSenders).toEqual([]);
  });
});
