/**
 * The endpoints bench's limit: a bare Express 5 app answering the same post the least way any
 * Express handler of it could: the form's urlencoded body read (202 JSON), the Telegram webhook's
 * secret header compared and JSON read (200), the intake's bearer key compared and JSON read
 * (202 JSON). And the webhooks bench's receiver: every POST /:path answered 200, the first to
 * each path logged (`first <path>`), GET / says how many came to each. Argv: form | telegram SECRET | intake KEY |
 * receiver. It logs `ready` with its port, as JSON lines the bench's process runner reads.
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
    res
      .status(202)
      .json({ inboxId: 1, status: 'pending', fields: Object.keys(req.body as object).length });
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
  app.get('/', (_req, res) => {
    res.json(received);
  });
} else throw new Error('usage: bare-server.ts form | telegram SECRET | intake KEY | receiver');

const server = app.listen(0, '127.0.0.1', () => {
  log('ready', { port: (server.address() as AddressInfo).port });
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
