/**
 * `npm run bench -- email`: a mailbox of customer emails in a private Dovecot
 * (scripts/imap-test-server.sh, through the tests' helper) turned into committed leads by the
 * `email` and `worker` roles, beside the limit: in one process, a bare imapflow fetch of the same
 * mailbox with mailparser's `simpleParser` on each message. Leadwire has two processes to spread
 * the work over the two cores, the limit one.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { sql } from 'drizzle-orm';
import { emailSettingsInput, storeEmailSettings } from '../../connectors/email/config.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { startImapServer, type ImapTestServer } from '../../test/helpers/imap.ts';
import { defineMode, int, seconds } from './context.ts';
import { awaitCommitted, countOf } from './ledger.ts';
import { customerEmails } from './mailbox.ts';
import { startRole, startWorker } from './processes.ts';
import { createWorkspace, STORE_OPTIONS } from './workspace.ts';

/** 2,000 senders for 5,000 messages: about 3,000 append to a lead their sender already has. */
const SENDER_SHARE = 0.4;

export const emailMode = defineMode({
  summary: 'a mailbox into committed leads vs imapflow fetch + simpleParser in one process',
  options: {
    messages: 5000,
    ...STORE_OPTIONS,
  },
  async run(run, options) {
    const count = options.messages;
    const workspace = await createWorkspace(run, options);
    const env = workspace.env({ SECRETS_KEY: randomBytes(32).toString('hex') });
    const dovecot = await startImapServer(`bench-${run.id}`);
    run.guard.dovecot(dovecot.dir);
    run.guard.remove(dovecot.dir);
    run.defer(() => dovecot.stop());
    const mailbox = dovecot.users.support;

    const filling = performance.now();
    const appender = await dovecot.connect(mailbox);
    let bytes = 0;
    for (const raw of customerEmails(count, Math.max(1, Math.round(count * SENDER_SHARE)))) {
      run.signal.throwIfAborted();
      if (!(await appender.append('INBOX', raw))) throw new Error('an APPEND was refused');
      bytes += raw.length;
    }
    await appender.logout();
    run.progress(`appended ${count} messages in ${seconds(filling).toFixed(1)} s (not timed)`);

    const limit = await fetchAndParse(dovecot);
    if (limit.count !== count)
      throw new Error(`the bare fetch read ${limit.count} of ${count} messages`);
    run.progress(`limit: fetch + simpleParser, ${int(limit.perSecond)} msgs/s`);

    const store = await workspace.open();
    const input = emailSettingsInput.parse({
      imap: {
        host: '127.0.0.1',
        port: dovecot.port,
        secure: false,
        user: mailbox.user,
        password: { value: mailbox.pass },
      },
      ingestSince: '2000-01-01T00:00:00Z',
    });
    const channel = await store.channels.create({
      kind: 'email',
      name: 'Bench support mailbox',
      defaultCountry: 'ES',
      appendScope: 'any',
      active: true,
      operatorIds: [],
      config: storeEmailSettings(input, loadConfig(env).secretsKey, new Date()),
    });
    const worker = await startWorker(run, env);
    const workerCpu = worker.cpuSeconds();
    const connector = startRole(run, 'email', env);
    const connected = await connector.logged('mailbox connected');
    const connectorCpu = connector.cpuSeconds();
    const committed = await awaitCommitted(run, store, {
      afterId: 0,
      expected: count,
      channelId: channel.id,
    });
    // From the login, as the limit's time is: the process's start-up (and a rebuild of dist/
    // when a source changed meanwhile) is shown apart.
    const fromLogin = (committed.lastProcessedAt - connected.time) / 1000;
    const startUp = (connected.time - connector.startedAt) / 1000;
    const perSecond = count / fromLogin;
    const cpuMs = (cpu: number) => `${((cpu * 1000) / count).toFixed(2)} ms/msg`;
    const leads = await countOf(
      store,
      sql`SELECT count(*) AS n FROM leads WHERE channel_id = ${channel.id}`,
    );
    const outcomes = Object.entries(committed.outcomes).map(([kind, n]) => `${kind} ${int(n)}`);
    const lines = [
      `Leadwire email bench (${workspace.store}): ${int(count)} messages (${(bytes / 1e6).toFixed(1)} MB) in a private Dovecot`,
      `  limit            ${int(limit.perSecond)} msgs/s: connect, FETCH every source, simpleParser each, ` +
        `one process, ${limit.seconds.toFixed(2)} s (${limit.cpuSeconds.toFixed(1)} CPU s)`,
      `  Leadwire         ${int(perSecond)} msgs/s: ${fromLogin.toFixed(1)} s from the connector's login ` +
        `to the last lead committed (${startUp.toFixed(1)} s start-up before it)`,
      `    outcomes       ${outcomes.join(', ')}; ${int(leads)} leads`,
      `    CPU            connector ${cpuMs(connector.cpuSeconds() - connectorCpu)} ` +
        `(+ ${connectorCpu.toFixed(1)} s start-up), worker ${cpuMs(worker.cpuSeconds() - workerCpu)}`,
    ];
    const problems = worker.problems + connector.problems;
    if (problems) lines.push(`    WARNING: ${problems} warnings or errors logged (above)`);
    return {
      lines,
      figure: ['msgs_per_s', perSecond],
      limit: limit.perSecond,
    };
  },
});

/** The limit: every message fetched by UID in one session and parsed as it arrives. */
async function fetchAndParse(dovecot: ImapTestServer) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const client = await dovecot.connect(dovecot.users.support);
  let count = 0;
  const lock = await client.getMailboxLock('INBOX');
  try {
    for await (const message of client.fetch('1:*', { uid: true, source: true })) {
      if (message.source) await simpleParser(message.source);
      count += 1;
    }
  } finally {
    lock.release();
    await client.logout();
  }
  const used = process.cpuUsage(cpu);
  const took = seconds(started);
  return {
    count,
    seconds: took,
    perSecond: count / took,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}
