/** Procfile `email`: one IMAP IDLE session per connected mailbox. One process is enough; a second
 * would only fetch the same mail again, which the inbox (unique Message-ID) turns into no-ops. */
import { boot, startConnectors } from './boot.ts';

await startConnectors(await boot('email', { redisRequired: false }), 'email');
