/**
 * An email reply against a real SMTP server (smtp-server): the From name the channel's
 * `replyFromName` asks for, and a refusal kept as the server said it (its code and reply line).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplyOperator, Sender } from '../../core/channel.ts';
import { PermanentSendError } from '../../core/errors.ts';
import type { ChannelRecord } from '../../core/repositories/channels.ts';
import type { MessageRecord } from '../../core/repositories/leads.ts';
import { emailSettingsInput, storeEmailSettings } from '../../connectors/email/config.ts';
import { emailReplies } from '../../connectors/email/replies.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { serverAnswerOf } from '../../workers/outbound/handler.ts';

const received: ParsedMail[] = [];
/** What the server answers to the next RCPT TO (a refusal), if anything. */
let refuse: { code: number; text: string } | undefined;
let smtp: SMTPServer;
let port: number;
let sender: Sender;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(_address, _session, callback) {
      if (!refuse) return callback();
      const error = Object.assign(new Error(refuse.text), { responseCode: refuse.code });
      callback(error);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
  sender = emailReplies.sender({
    credentials: { secretsKey: 'e'.repeat(40), readVariable: () => undefined },
    log: createLogger('silent'),
  });
});

afterAll(async () => {
  await sender?.close?.();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

let nextId = 1;
function mailbox(smtpExtra: Record<string, unknown>): ChannelRecord {
  const input = emailSettingsInput.parse({
    imap: { host: 'imap.test.local', user: 'support@test.local', password: { value: 'imap-pw' } },
    smtp: { host: '127.0.0.1', port, secure: false, from: 'support@test.local', ...smtpExtra },
  });
  const config = storeEmailSettings(input, 'e'.repeat(40), new Date());
  return {
    id: nextId++,
    kind: 'email',
    name: 'Support mailbox',
    config,
  } as unknown as ChannelRecord;
}

function reply(operator: ReplyOperator | undefined): MessageRecord {
  const id = nextId++;
  return {
    id,
    leadId: 1,
    channelId: 1,
    direction: 'out',
    externalId: `lw.test-${id}@test.local`,
    text: 'Yes, we open at 10.',
    delivery: 'queued',
    meta: {
      email: {
        to: 'eva@example.com',
        subject: 'Re: Hello [#L1]',
        inReplyTo: 'idle-1@example.com',
        references: ['idle-1@example.com'],
      },
      ...(operator ? { operator } : {}),
    },
  } as unknown as MessageRecord;
}

const ana: ReplyOperator = { userId: 7, name: 'Ana García' };

async function fromOf(channel: ChannelRecord, operator: ReplyOperator | undefined) {
  const before = received.length;
  await sender.send({ channel, message: reply(operator), saveMeta: async () => undefined });
  const mail = received[before];
  return mail?.from?.value[0];
}

describe('the From of an email reply', () => {
  it("is the mailbox's name by default, whoever wrote", async () => {
    const channel = mailbox({ fromName: 'Acme Support' });
    expect(await fromOf(channel, ana)).toEqual({
      name: 'Acme Support',
      address: 'support@test.local',
    });
  });

  it("with replyFromName operator: the operator's name, the mailbox's in brackets", async () => {
    const channel = mailbox({ fromName: 'Acme Support', replyFromName: 'operator' });
    expect(await fromOf(channel, ana)).toEqual({
      name: 'Ana García (Acme Support)',
      address: 'support@test.local',
    });
    // A mailbox without a name: the operator's alone.
    expect(await fromOf(mailbox({ replyFromName: 'operator' }), ana)).toEqual({
      name: 'Ana García',
      address: 'support@test.local',
    });
    // An integration is no person: the mailbox's name.
    const integration = { userId: null, name: 'zapier' };
    expect(await fromOf(channel, integration)).toEqual({
      name: 'Acme Support',
      address: 'support@test.local',
    });
  });
});

describe('a refused email reply', () => {
  it("keeps the server's code and reply line; a 5xx is final", async () => {
    refuse = { code: 550, text: '5.1.1 <eva@example.com>: Recipient address rejected' };
    const failure = await sender
      .send({ channel: mailbox({}), message: reply(ana), saveMeta: async () => undefined })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    refuse = undefined;
    expect(failure).toBeInstanceOf(PermanentSendError);
    expect(serverAnswerOf(failure)).toEqual({
      status: 550,
      message: '550 5.1.1 <eva@example.com>: Recipient address rejected',
    });
  });

  it('keeps a 4xx too, for when the retries run out', async () => {
    refuse = { code: 451, text: '4.3.0 Try again later' };
    const failure = await sender
      .send({ channel: mailbox({}), message: reply(ana), saveMeta: async () => undefined })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    refuse = undefined;
    expect(failure).not.toBeInstanceOf(PermanentSendError);
    expect(serverAnswerOf(failure)).toEqual({ status: 451, message: '451 4.3.0 Try again later' });
  });
});
