/** A mailbox channel's settings: IMAP in, SMTP out, the mailbox's own addresses. */
import { z } from 'zod';
import { normaliseEmail } from '../../core/identities.ts';
import {
  describeSecret,
  openSecret,
  sealSecret,
  SecretError,
  secretInput,
  storedSecret,
  type Credentials,
} from '../../core/runtime/secrets.ts';

const host = z.string().trim().min(1).max(255);
const address = z.email();

/** The API/CLI body's email part; passwords as `{env}` or `{value}` (encrypted before storing). */
export const emailSettingsInput = z
  .object({
    imap: z
      .object({
        host,
        port: z.number().int().min(1).max(65535).default(993),
        /** TLS from the first byte (993); false = plain or STARTTLS when offered. */
        secure: z.boolean().default(true),
        user: z.string().min(1).max(320),
        /** Required when the channel is created; when editing, omitted means unchanged. */
        password: secretInput.optional(),
      })
      .strict(),
    folders: z.array(z.string().min(1).max(200)).min(1).max(20).default(['INBOX']),
    afterIngest: z.enum(['leave', 'seen', 'move']).default('leave'),
    moveTo: z.string().min(1).max(200).optional(),
    smtp: z
      .object({
        host,
        port: z.number().int().min(1).max(65535).default(587),
        secure: z.boolean().default(false),
        user: z.string().min(1).max(320).optional(),
        password: secretInput.optional(),
        from: address,
        fromName: z.string().max(200).optional(),
        /**
         * The name a reply's From shows: `channel` (default) is `fromName`; `operator` is the
         * operator who wrote it, with `fromName` after it in brackets when there is one.
         */
        replyFromName: z.enum(['channel', 'operator']).optional(),
      })
      .strict()
      .optional(),
    /** The mailbox's own addresses: mail from them is a loop, never a lead. */
    addresses: z.array(address).max(50).default([]),
    /**
     * Senders whose mail is people's words though it looks machine-made: a website's form mailer
     * sending from noreply@ (an address, or `@domain` for every address there).
     */
    humanSenders: z
      .array(z.union([address, z.string().regex(/^@[^\s@]+\.[^\s@]+$/, 'an address or @domain')]))
      .max(100)
      .default([]),
    /** Mail received before this (ISO date) is not ingested on first connect; default: now. */
    ingestSince: z.iso.datetime({ offset: true }).optional(),
    pollSeconds: z.number().int().min(5).max(3600).default(60),
  })
  .strict()
  .refine((s) => s.afterIngest !== 'move' || s.moveTo, {
    message: 'afterIngest "move" needs moveTo (a folder name)',
    path: ['moveTo'],
  });
export type EmailSettingsInput = z.infer<typeof emailSettingsInput>;

/** As kept in channels.config. */
export const emailSettings = z.object({
  imap: z.object({
    host: z.string(),
    port: z.number(),
    secure: z.boolean(),
    user: z.string(),
    password: storedSecret,
  }),
  folders: z.array(z.string()),
  afterIngest: z.enum(['leave', 'seen', 'move']),
  moveTo: z.string().optional(),
  smtp: z
    .object({
      host: z.string(),
      port: z.number(),
      secure: z.boolean(),
      user: z.string().optional(),
      password: storedSecret.optional(),
      from: z.string(),
      fromName: z.string().optional(),
      /** Optional: settings stored before it existed have none (`channel`). */
      replyFromName: z.enum(['channel', 'operator']).optional(),
    })
    .optional(),
  addresses: z.array(z.string()),
  /** Optional: settings stored before it existed have none. */
  humanSenders: z.array(z.string()).default([]),
  ownIdentityKeys: z.array(z.string()),
  ingestSince: z.string(),
  pollSeconds: z.number(),
});
export type EmailSettings = z.infer<typeof emailSettings>;

/** Seals the passwords and works out the identity keys that mean "sent by us". */
export function storeEmailSettings(
  input: EmailSettingsInput,
  secretsKey: string | undefined,
  now: Date,
  previous?: EmailSettings,
): EmailSettings {
  const own = [...input.addresses, input.smtp?.from, input.imap.user]
    .filter((value): value is string => Boolean(value))
    .map((value) => normaliseEmail(value))
    .flatMap((read) => (read.ok ? [read.identity.key] : []));
  const imapSecret = input.imap.password
    ? sealSecret(input.imap.password, secretsKey)
    : previous?.imap.password;
  if (!imapSecret)
    throw new SecretError(
      'imap.password is required: {"env": "LEADWIRE_SECRET_…"} or {"value": "…"}',
    );
  const { password: smtpGiven, ...smtp } = input.smtp ?? { password: undefined };
  const smtpSecret = smtpGiven ? sealSecret(smtpGiven, secretsKey) : previous?.smtp?.password;
  return {
    imap: { ...input.imap, password: imapSecret },
    folders: input.folders,
    afterIngest: input.afterIngest,
    ...(input.moveTo ? { moveTo: input.moveTo } : {}),
    ...(input.smtp
      ? {
          smtp: {
            ...(smtp as Omit<NonNullable<EmailSettingsInput['smtp']>, 'password'>),
            ...(smtpSecret ? { password: smtpSecret } : {}),
          },
        }
      : {}),
    addresses: input.addresses,
    humanSenders: input.humanSenders,
    ownIdentityKeys: [...new Set(own)],
    ingestSince: input.ingestSince ?? previous?.ingestSince ?? now.toISOString(),
    pollSeconds: input.pollSeconds,
  };
}

/** What the API shows: everything but the secrets, which show as `{env}` or `{stored: true}`. */
export function describeEmailSettings(settings: EmailSettings) {
  return {
    ...settings,
    imap: { ...settings.imap, password: describeSecret(settings.imap.password) },
    ...(settings.smtp
      ? { smtp: { ...settings.smtp, password: describeSecret(settings.smtp.password) } }
      : {}),
  };
}

export const imapPassword = (settings: EmailSettings, credentials: Credentials) =>
  openSecret(settings.imap.password, credentials.secretsKey, credentials.readVariable);

export const smtpPassword = (settings: EmailSettings, credentials: Credentials) =>
  settings.smtp?.password
    ? openSecret(settings.smtp.password, credentials.secretsKey, credentials.readVariable)
    : undefined;
