/**
 * The endpoints' limit: a bare Express 5 app answering each post the least way any handler of it
 * could (the body read, the secret or bearer key compared). Or the webhooks' receiver: every
 * POST /:path answered 200, the first to each path logged (`first <path>`), GET / counts them.
 * It logs `ready` with its port, as JSON lines the bench's process runner reads.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';

const [kind, secret] = process.argv.slice(2);
const log = (msg: string, fields: object) =>
  process.stdout.write(`${JSON.stringify({ time: Date.now(), msg, ...fields })}\n`);
const app = express();
const refused = (res: express.Response) => res.status(401).json({ ok: false });

if (kind === 'form')
  app.post('/f/:slug', express.urlencoded({ extended: false }), (req, res) => {
    res.status(202).json({ ok: true, fields: Object.keys(req.body as object).length });
  });
else if (kind === 'telegram')
  app.post('/telegram/:channelId/webhook', express.json({ limit: '1mb' }), (req, res) => {
    if (req.get('x-telegram-bot-api-secret-token') !== secret) return refused(res);
    res.status(200).json({ ok: true });
  });
else if (kind === 'intake')
  app.post('/api/v1/leads', express.json({ limit: '1mb' }), (req, res) => {
    if (req.get('authorization') !== `Bearer ${secret}`) return refused(res);
    const fields = Object.keys(req.body as object).length;
    res.status(202).json({ inboxId: 1, status: 'pending', fields });
  });
else if (kind === 'receiver') {
  const received: Record<string, number> = {};
  app.post('/:path', express.text({ type: () => true }), (req, res) => {
    const path = String(req.params.path);
    received[path] = (received[path] ?? 0) + 1;
    // The first request to each path, for the bench to check its signature.
    if (received[path] === 1)
      log(`first ${path}`, { body: req.body as string, headers: req.headers });
    res.status(200).end('ok');
  });
  app.get('/', (_req, res) => void res.json(received));
} else throw new Error('usage: bare-server.ts form | telegram SECRET | intake KEY | receiver');

const server = app.listen(0, '127.0.0.1', () => {
  log('ready', { port: (server.address() as AddressInfo).port });
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
