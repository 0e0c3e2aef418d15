/**
 * The bare Express 5 handler the telegram bench sets beside the webhook, in a process of its own
 * as the forms bench runs its servers (form-server.ts, whose roles serve only the form's route):
 * POST /telegram/:channelId/webhook compares the secret header, reads the JSON update and answers
 * 200 — the least any Express handler of a Telegram webhook does. It speaks form-server.ts's IPC
 * messages (ready, mark, usage, stop), so `startUsage` there reads its CPU time.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { ServerChild } from './form-server.ts';

const ENTRY = fileURLToPath(import.meta.url);
const STOP_TIMEOUT_MS = 20_000;
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

type ToServer = { type: 'mark' } | { type: 'usage' } | { type: 'stop' };
type FromServer =
  { type: 'ready'; port: number } | { type: 'usage'; cpu: number; loopBusy: number };

/** Starts the bare handler; `secret` is the bench's throwaway secret_token, passed as argument. */
export function startBareWebhook(secret: string): ServerChild {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY, secret], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  // Its output goes to our stderr: stdout carries only the bench's results.
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const died = exited.then((code) => {
    throw new Error(`the bare webhook server exited (code ${code}); see its output above`);
  });
  died.catch(() => {});
  const next = <T extends FromServer['type']>(type: T) =>
    Promise.race([
      new Promise<Extract<FromServer, { type: T }>>((resolve) => {
        const listener = (message: FromServer) => {
          if (message.type !== type) return;
          child.off('message', listener);
          resolve(message as Extract<FromServer, { type: T }>);
        };
        child.on('message', listener);
      }),
      died,
    ]);
  const send = (message: ToServer) => child.send(message);
  return {
    ready: next('ready').then(({ port }) => `http://127.0.0.1:${port}`),
    mark: () => send({ type: 'mark' }),
    async usage() {
      const answer = next('usage');
      send({ type: 'usage' });
      const { cpu, loopBusy } = await answer;
      return { cpu, loopBusy };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---- In the server process ----

if (process.argv[1] === ENTRY) await serve(process.argv[2]);

async function serve(secret: string | undefined): Promise<void> {
  if (!secret) throw new Error('usage: telegram-server.ts SECRET');
  const app = express();
  app.post(
    '/telegram/:channelId/webhook',
    (req, res, next) => {
      if (req.get(SECRET_HEADER) !== secret) return res.status(401).json({ ok: false });
      next();
    },
    express.json({ limit: '1mb', type: () => true }),
    (_req, res) => {
      res.status(200).json({ ok: true });
    },
  );
  const server = app.listen(0);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const send = (message: FromServer) => process.send?.(message);
  const takeMark = () => ({
    at: performance.now(),
    cpu: process.cpuUsage(),
    loop: performance.eventLoopUtilization(),
  });
  let mark = takeMark();
  process.on('message', (message: ToServer) => {
    if (message.type === 'mark') {
      mark = takeMark();
    } else if (message.type === 'usage') {
      const cpu = process.cpuUsage(mark.cpu);
      send({
        type: 'usage',
        cpu: (cpu.user + cpu.system) / 1000 / (performance.now() - mark.at),
        loopBusy: performance.eventLoopUtilization(mark.loop).utilization,
      });
    } else if (message.type === 'stop') {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    }
  });
  // Ctrl-C reaches the whole process group: the bench stops this server itself, after the load.
  process.on('SIGINT', () => {});
  // The bench died: do not linger holding the port.
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}
