import { describe, expect, it } from 'vitest';
import { replyFromName } from '../../../../connectors/email/compose.ts';

const ana = { userId: 3, name: 'Ana García' };

describe("an email reply's From name", () => {
  it("is the mailbox's by default (and with replyFromName channel)", () => {
    expect(replyFromName({ fromName: 'Acme Support' }, ana)).toBe('Acme Support');
    expect(replyFromName({ fromName: 'Acme', replyFromName: 'channel' }, ana)).toBe('Acme');
    expect(replyFromName({}, ana)).toBeUndefined();
  });

  it("is the operator's, the mailbox's name in brackets, with replyFromName operator", () => {
    const smtp = { fromName: 'Acme Support', replyFromName: 'operator' as const };
    expect(replyFromName(smtp, ana)).toBe('Ana García (Acme Support)');
    expect(replyFromName({ replyFromName: 'operator' }, ana)).toBe('Ana García');
    expect(replyFromName({ fromName: '  ', replyFromName: 'operator' }, ana)).toBe('Ana García');
  });

  it("keeps the mailbox's name for an integration or a reply of nobody", () => {
    const smtp = { fromName: 'Acme Support', replyFromName: 'operator' as const };
    expect(replyFromName(smtp, { userId: null, name: 'zapier' })).toBe('Acme Support');
    expect(replyFromName(smtp, undefined)).toBe('Acme Support');
    expect(replyFromName({ replyFromName: 'operator' }, undefined)).toBeUndefined();
  });
});
