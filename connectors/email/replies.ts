/** Replies on a mailbox: a draft threaded to the customer's email, sent over the channel's SMTP. */
import { randomUUID } from 'node:crypto';
import type { ReplyOperator, ReplySupport } from '../../core/channel.ts';
import { PermanentSendError } from '../../core/errors.ts';
import { composeReply, newMessageId, replyFromName, type EmailReplyMeta } from './compose.ts';
import { SmtpSender } from './send.ts';
import { readEmailSettings } from './settings.ts';

export const emailReplies: ReplySupport = {
  async draft({ channel, message, leadId }, reply) {
    if (reply.template) {
      return { ok: false, code: 'unsupported', message: 'email replies are text, not templates' };
    }
    const smtp = readEmailSettings(channel.config)?.smtp;
    if (!smtp) {
      return {
        ok: false,
        code: 'cannot_send',
        message: `channel ${channel.id} has no SMTP settings; add "smtp" to it to send replies`,
      };
    }
    const email = composeReply(message, leadId);
    if (!email) {
      return {
        ok: false,
        code: 'cannot_send',
        message: 'the message this would answer has no sender address',
      };
    }
    return {
      ok: true,
      externalId: newMessageId(smtp.from, reply.unique ?? randomUUID()),
      sender: smtp.from,
      text: reply.text,
      meta: { email: { ...email, from: smtp.from } },
    };
  },
  sender({ credentials }) {
    const smtp = new SmtpSender(credentials);
    return {
      async send({ channel, message }) {
        const settings = readEmailSettings(channel.config);
        if (!settings) throw new PermanentSendError(`channel ${channel.id} cannot send replies`);
        const email = message.meta.email as EmailReplyMeta | undefined;
        if (!email) throw new PermanentSendError(`message ${message.id} has no email envelope`);
        const operator = message.meta.operator as ReplyOperator | undefined;
        const result = await smtp.send(settings, {
          ...email,
          messageId: message.externalId,
          text: message.text,
          channelId: channel.id,
          fromName: settings.smtp && replyFromName(settings.smtp, operator),
        });
        return {
          response: result.response,
          meta: {
            smtp: {
              response: result.response,
              accepted: result.accepted,
              at: new Date().toISOString(),
            },
          },
        };
      },
      close: () => smtp.close(),
    };
  },
};
