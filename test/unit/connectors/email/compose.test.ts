import { describe, expect, it } from 'vitest';
import { composeReply, newMessageId, replySubject } from '../../../../connectors/email/compose.ts';

describe('replies to an email thread', () => {
  it('keeps one Re: and one lead token whatever the customer subject carried', () => {
    expect(replySubject('Price for chairs', 7)).toBe('Re: Price for chairs [#L7]');
    expect(replySubject('RE: Re: Fwd: Price [#L7]', 7)).toBe('Re: Price [#L7]');
    expect(replySubject('AW: Angebot [#L3]', 9)).toBe('Re: Angebot [#L9]');
    expect(replySubject('', 2)).toBe('Re: your message [#L2]');
  });

  it('answers the Reply-To address and extends the References chain', () => {
    const reply = composeReply(
      {
        externalId: 'c2@example.com',
        meta: {
          email: {
            messageId: 'c2@example.com',
            subject: 'Re: Order',
            from: { address: 'noreply@shop.example' },
            replyTo: { address: 'ana@example.com' },
            replyAddress: 'ana@example.com',
            references: ['c1@example.com', 'lw.1@shop.example'],
          },
        },
      },
      5,
    );
    expect(reply).toEqual({
      to: 'ana@example.com',
      subject: 'Re: Order [#L5]',
      inReplyTo: 'c2@example.com',
      references: ['c1@example.com', 'lw.1@shop.example', 'c2@example.com'],
    });
    expect(composeReply({ externalId: 'x', meta: {} }, 5)).toBeUndefined();
    // A Reply-To that was not taken as the customer (several addresses) is never answered.
    const smuggled = {
      replyTo: { address: 'a@evil.example,b@evil.example' },
      replyAddress: 'a@evil.example,b@evil.example',
    };
    expect(composeReply({ externalId: 'x', meta: { email: smuggled } }, 5)).toBeUndefined();
  });

  it('makes our Message-IDs in the sending domain', () => {
    expect(newMessageId('support@shop.example', 'abc')).toBe('lw.abc@shop.example');
  });
});
