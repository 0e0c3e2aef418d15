/** `channels test ID` for a mailbox: log in over IMAP (each folder's counts) and SMTP. */
import nodemailer from 'nodemailer';
import type { ChannelCheck } from '../../core/channel.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { smtpPassword, type EmailSettings } from './config.ts';
import { imapClient } from './mailbox.ts';

export async function checkMailbox(
  settings: EmailSettings,
  credentials: Credentials,
): Promise<ChannelCheck[]> {
  const checks: ChannelCheck[] = [];
  const imap = `IMAP ${settings.imap.host}:${settings.imap.port}`;
  try {
    const client = imapClient(settings, credentials);
    client.on('error', () => undefined);
    try {
      await client.connect();
      const folders: string[] = [];
      for (const folder of settings.folders) {
        const status = await client.status(folder, {
          messages: true,
          unseen: true,
          uidValidity: true,
        });
        folders.push(
          status
            ? `${folder}: ${status.messages ?? 0} messages, ${status.unseen ?? 0} unseen, UIDVALIDITY ${String(status.uidValidity)}`
            : `${folder}: not found`,
        );
      }
      await client.logout();
      checks.push({
        name: imap,
        ok: true,
        detail: [`logged in as ${settings.imap.user}`, ...folders].join('\n  '),
      });
    } finally {
      client.close();
    }
  } catch (error) {
    checks.push({ name: imap, ok: false, detail: (error as Error).message });
  }
  if (!settings.smtp) {
    checks.push({ name: 'SMTP', ok: false, detail: 'not configured (replies cannot be sent)' });
    return checks;
  }
  const smtp = settings.smtp;
  const name = `SMTP ${smtp.host}:${smtp.port}`;
  try {
    const pass = smtpPassword(settings, credentials);
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user && pass ? { auth: { user: smtp.user, pass } } : {}),
      connectionTimeout: 15_000,
    });
    try {
      await transport.verify();
      checks.push({ name, ok: true, detail: `ready to send as ${smtp.from}` });
    } finally {
      transport.close();
    }
  } catch (error) {
    checks.push({ name, ok: false, detail: (error as Error).message });
  }
  return checks;
}
