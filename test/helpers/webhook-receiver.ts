/**
 * A local webhook receiver, as an integration would run one: it checks every request's
 * Standard Webhooks signature with the subscription's secret, keeps what it got, and answers
 * from a script (200 once the script is used up). `hold` keeps the next requests unanswered
 * (a receiver that hangs), until `release`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  body: { type: string; timestamp: string; version: number; data: Record<string, unknown> };
  /** The signature checked out with `secret` (and the timestamp is within five minutes). */
  verified: boolean;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Statuses to answer, in turn. */
  answers: number[] = [];
  /** Requests to leave unanswered from now on. */
  hold = 0;
  secret = '';
  url = '';
  private server: Server | undefined;
  private held: ServerResponse[] = [];

  async start(path = '/hooks/leadwire'): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let verified: boolean;
        try {
          new Webhook(this.secret).verify(text, req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
        this.received.push({
          id: String(req.headers['webhook-id']),
          timestamp: String(req.headers['webhook-timestamp']),
          body: JSON.parse(text) as Received['body'],
          verified,
        });
        if (this.hold > 0) {
          this.hold--;
          this.held.push(res);
          return;
        }
        const status = this.answers.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${status}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  /** Drops the requests held so far (their senders see the connection close). */
  release(): void {
    for (const res of this.held.splice(0)) res.destroy();
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
