import { describe, expect, it } from 'vitest';
import { withServerAnswer } from '../../../../core/channel.ts';
import { deliveryEvent } from '../../../../core/ingest-plan.ts';
import { PermanentSendError } from '../../../../core/errors.ts';
import { serverAnswerOf } from '../../../../workers/outbound/handler.ts';

describe('what a failed reply keeps of the server’s answer', () => {
  it('takes the answer a channel attached, status and code included', () => {
    const error = withServerAnswer(new PermanentSendError('WhatsApp refused the message: …'), {
      status: 400,
      code: 131047,
      message: '(#131047) Re-engagement message',
    });
    expect(serverAnswerOf(error)).toEqual({
      status: 400,
      code: 131047,
      message: '(#131047) Re-engagement message',
    });
  });

  it("falls back on the error's words, trimmed to 500 characters, without a token", () => {
    const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const error = new Error(
      `connect ECONNREFUSED https://api.telegram.org/bot${token}/sendMessage`,
    );
    const answer = serverAnswerOf(error);
    expect(answer.status).toBeUndefined();
    expect(answer.message).not.toContain(token);
    expect(answer.message).toContain('ECONNREFUSED');
    expect(serverAnswerOf(new Error('x'.repeat(2000))).message).toHaveLength(500);
  });
});

describe('the outbox event of a delivery status', () => {
  it('names the step, and a failure carries what went wrong', () => {
    expect(deliveryEvent('sent')).toEqual({ type: 'message.sent', details: {} });
    expect(deliveryEvent('read')).toEqual({ type: 'message.read', details: {} });
    expect(deliveryEvent('undelivered', 'the number is not on WhatsApp')).toEqual({
      type: 'message.failed',
      details: { status: 'undelivered', error: { message: 'the number is not on WhatsApp' } },
    });
    expect(deliveryEvent('failed', { status: 550, message: 'no such user' })).toEqual({
      type: 'message.failed',
      details: { status: 'failed', error: { status: 550, message: 'no such user' } },
    });
  });
});
