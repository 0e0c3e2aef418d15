/** A mailbox's settings behind the channel contract: validated, sealed, shown and edited. */
import { settingsReader, type ChannelSettings, type SettingsIssue } from '../../core/channel.ts';
import { SecretError } from '../../core/runtime/secrets.ts';
import { issuesOf, objectOf } from '../channel-fields.ts';
import {
  describeEmailSettings,
  emailSettings,
  emailSettingsInput,
  storeEmailSettings,
} from './config.ts';
import { emailSettingsForm } from './settings-form.ts';

/** The stored settings, parsed once per stored object. */
export const readEmailSettings = settingsReader(emailSettings);

const SECTIONS = ['imap', 'smtp'] as const;

export const emailChannelSettings: ChannelSettings = {
  title: { en: 'Mailbox', es: 'Buzón de correo', ru: 'Почтовый ящик' },
  form: emailSettingsForm,
  prepare(body, { secretsKey, now, previous }) {
    const parsed = emailSettingsInput.safeParse(body);
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
    try {
      const config = storeEmailSettings(parsed.data, secretsKey, now, readEmailSettings(previous));
      return { ok: true, config };
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      return { ok: false, issues: [{ path: 'imap.password', message: error.message }] };
    }
  },
  valid: (config) => readEmailSettings(config) !== undefined,
  describe(config) {
    const settings = readEmailSettings(config);
    return settings ? describeEmailSettings(settings) : {};
  },
  edit(shown, patch) {
    // A stored password only ever goes to the server it was given for.
    for (const section of SECTIONS) {
      const current = objectOf(shown[section]);
      const change = objectOf(patch[section]);
      const moved = ['host', 'port', 'user'].some(
        (key) => key in change && change[key] !== current[key],
      );
      if (shown[section] && moved && !change.password) {
        const issue: SettingsIssue = {
          path: `${section}.password`,
          message: `give ${section}.password again when changing the ${section} host, port or user`,
        };
        return { ok: false, issue };
      }
    }
    // Passwords are never shown, so an edit that leaves them out keeps them.
    const { imap, smtp, ownIdentityKeys: _own, ...rest } = shown;
    const body: Record<string, unknown> = {
      ...rest,
      imap: { ...withoutPassword(imap), ...objectOf(patch.imap) },
      ...(smtp || patch.smtp
        ? { smtp: { ...withoutPassword(smtp), ...objectOf(patch.smtp) } }
        : {}),
      ...Object.fromEntries(
        Object.entries(patch).filter(([key]) => !SECTIONS.includes(key as never)),
      ),
    };
    if (patch.smtp === null) delete body.smtp;
    return { ok: true, body };
  },
};

function withoutPassword(section: unknown) {
  const { password: _password, ...rest } = objectOf(section);
  return rest;
}
