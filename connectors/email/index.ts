/** The email channel (source EMAIL): IMAP mailboxes in, SMTP replies out. */
import type { Channel } from '../../core/channel.ts';
import { checkMailbox } from './check.ts';
import { expandEmail, normaliseExpandedEmail } from './ingest.ts';
import { MailboxSession } from './mailbox.ts';
import { emailReplies } from './replies.ts';
import { emailChannelSettings, readEmailSettings } from './settings.ts';

export const emailChannel: Channel = {
  kind: 'email',
  source: 'EMAIL',
  label: 'Email',
  settings: emailChannelSettings,
  normalise: normaliseExpandedEmail,
  expand: expandEmail,
  replies: emailReplies,
  connector: {
    process: 'email',
    start(channel, deps) {
      const settings = readEmailSettings(channel.config);
      if (!settings) throw new Error(`channel ${channel.id} has no valid mailbox settings`);
      const session = new MailboxSession({
        channelId: channel.id,
        settings,
        credentials: deps.credentials,
        repos: deps.repos,
        recorder: deps.recorder,
        blobs: deps.blobs,
        log: deps.log,
        maxBytes: deps.config.emailMaxBytes,
      });
      session.start();
      return {
        connected: () => session.connected,
        syncNow: () => session.requestSync(),
        stop: () => session.stop(),
      };
    },
  },
  async health(channel, { repos }) {
    return { checkpoints: await repos.checkpoints.emailFolders(channel.id) };
  },
  async test(channel, { credentials }) {
    const settings = readEmailSettings(channel.config);
    if (!settings) return [{ name: 'settings', ok: false, detail: 'not valid mailbox settings' }];
    return checkMailbox(settings, credentials);
  },
};
