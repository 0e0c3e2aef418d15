/**
 * Sends a reply over the channel's SMTP with nodemailer: our Message-ID, In-Reply-To and
 * References to the customer's thread, the lead token in the subject, our loop header.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { withServerAnswer, type ServerAnswer } from '../../core/channel.ts';
import { PermanentSendError } from '../../core/errors.ts';
import { LOOP_HEADER } from './parsed.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { smtpPassword, type EmailSettings } from './config.ts';
import type { EmailReplyMeta } from './compose.ts';

export interface OutgoingEmail extends EmailReplyMeta {
  messageId: string;
  text: string;
  channelId: number;
  /** The From display name (the address is the mailbox's); none: the bare address. */
  fromName: string | undefined;
}

const bracket = (id: string) => `<${id}>`;

export class SmtpSender {
  private readonly transports = new Map<string, Transporter>();

  constructor(private readonly credentials: Credentials) {}

  private transport(channelId: number, settings: EmailSettings): Transporter {
    const smtp = settings.smtp;
    if (!smtp) throw new PermanentSendError(`channel ${channelId} has no SMTP settings`);
    const key = `${channelId}:${JSON.stringify(smtp)}`;
    let transport = this.transports.get(key);
    if (!transport) {
      const pass = smtpPassword(settings, this.credentials);
      transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user && pass ? { auth: { user: smtp.user, pass } } : {}),
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 60_000,
      });
      this.transports.set(key, transport);
    }
    return transport;
  }

  async send(
    settings: EmailSettings,
    mail: OutgoingEmail,
  ): Promise<{ response: string; accepted: string[] }> {
    const smtp = settings.smtp;
    if (!smtp) throw new PermanentSendError(`channel ${mail.channelId} has no SMTP settings`);
    try {
      const info = await this.transport(mail.channelId, settings).sendMail({
        from: mail.fromName ? { name: mail.fromName, address: smtp.from } : smtp.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: bracket(mail.messageId),
        ...(mail.inReplyTo ? { inReplyTo: bracket(mail.inReplyTo) } : {}),
        ...(mail.references.length ? { references: mail.references.map(bracket) } : {}),
        headers: { [LOOP_HEADER]: String(mail.channelId) },
      });
      return {
        response: String(info.response),
        accepted: (info.accepted as (string | { address: string })[]).map((a) =>
          typeof a === 'string' ? a : a.address,
        ),
      };
    } catch (error) {
      const { responseCode: code, response } = error as {
        responseCode?: number;
        response?: string;
      };
      if (code === undefined || !(error instanceof Error)) throw error;
      // The server's own reply line ("550 5.1.1 <x@y>: Recipient address rejected"), kept on the
      // message when the send fails for good.
      const answer: ServerAnswer = { status: code, message: response ?? error.message };
      if (code >= 500) {
        const refused = new PermanentSendError(
          `the mail server refused the message: ${error.message}`,
          { cause: error },
        );
        throw withServerAnswer(refused, answer);
      }
      throw withServerAnswer(error, answer);
    }
  }

  close(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }
}
