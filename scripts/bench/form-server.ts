/**
 * One server of the forms bench, started by forms.ts in a process of its own (as the Procfile's
 * `web` line runs the app), so the load tool does not share its event loop:
 * - `web`: the real web app (`startWeb`), configured by the environment forms.ts gives it;
 * - `bare`: a bare Express 5 app whose POST /f/:slug reads the same urlencoded body and answers
 *   202 JSON, the most any Express handler of that post could do.
 * It tells the parent its port over IPC, and its CPU time and event-loop use since a mark.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { loadConfig } from '../../core/runtime/config.ts';
import { Lifecycle } from '../../core/runtime/lifecycle.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { startWeb } from '../boot.ts';

export type ServerRole = 'web' | 'bare';

export type ToServer = { type: 'mark' } | { type: 'usage' } | { type: 'stop' };

export interface ServerUsage {
  /** CPU time (user + system) since the mark, as a share of one core (1 = one core busy). */
  cpu: number;
  /** Share of the time since the mark the event loop was busy. */
  loopBusy: number;
}

export type FromServer = { type: 'ready'; port: number } | ({ type: 'usage' } & ServerUsage);

const role = process.argv[2];
if (role !== 'web' && role !== 'bare') throw new Error('usage: form-server.ts web|bare');

const send = (message: FromServer) => process.send?.(message);
const { server, close } = role === 'web' ? await startRealWeb() : await startBare();

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
    send({ type: 'usage', ...usageSince(mark) });
  } else if (message.type === 'stop') {
    void close().then(() => process.exit(0));
  }
});
// Ctrl-C reaches the whole process group: the bench stops this server itself, after the load.
process.on('SIGINT', () => {});
// The bench died: do not linger holding the port and Redis connections.
process.on('disconnect', () => process.exit(1));
send({ type: 'ready', port: (server.address() as AddressInfo).port });

async function startRealWeb(): Promise<{ server: Server; close: () => Promise<void> }> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'bench-web');
  const lifecycle = new Lifecycle(log);
  const server = await startWeb({ config, log, lifecycle });
  return { server, close: () => lifecycle.shutdown() };
}

async function startBare(): Promise<{ server: Server; close: () => Promise<void> }> {
  const app = express();
  app.post('/f/:slug', express.urlencoded({ extended: false }), (req, res) => {
    res.status(202).json({ ok: true, fields: Object.keys(req.body as object).length });
  });
  const server = app.listen(0);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function usageSince(since: ReturnType<typeof takeMark>): ServerUsage {
  const wallMicros = (performance.now() - since.at) * 1000;
  const cpu = process.cpuUsage(since.cpu);
  return {
    cpu: (cpu.user + cpu.system) / wallMicros,
    loopBusy: performance.eventLoopUtilization(since.loop).utilization,
  };
}
