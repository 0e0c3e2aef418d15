/**
 * What the soak posts: REST intake bodies, mostly from senders never seen before (a new simple
 * lead each), some from seeded clients (a repeat lead, then appends), and some from a sender who
 * already wrote earlier in the run, so the worker also appends to open leads as it does in
 * production. senders.ts makes the first two kinds; this adds the third.
 */
import type { IntakeBody } from '../../connectors/api/schema.ts';
import { mulberry32, senderStream, type NextBody } from '../bench/senders.ts';

/** Shares of all posts: writing again in this run, and seeded clients. The rest are new senders. */
export const MIX = { again: 0.2, clients: 0.1 } as const;
/** Seeded clients (seed.ts); a small CRM, enough for repeat leads to be found by identity. */
export const SEEDED_CLIENTS = 10_000;
/** Senders remembered for writing again: recent ones, as follow-ups come soon after. */
const REMEMBERED = 5_000;

type Sender = Pick<IntakeBody, 'email' | 'phone' | 'country'>;

export function soakMix(seed = 7): NextBody {
  const random = mulberry32(seed);
  // senderStream's share is of the posts it makes, which are those not writing again.
  const first = senderStream({
    clients: SEEDED_CLIENTS,
    returning: MIX.clients / (1 - MIX.again),
    seed,
  });
  const seen: Sender[] = [];
  let oldest = 0;
  return () => {
    if (seen.length && random() < MIX.again) {
      const sender = seen[Math.floor(random() * seen.length)] as Sender;
      return {
        ...sender,
        name: 'Soak Sender',
        message: 'Following up on my earlier message: is there any news on the quote?',
        source: 'API',
      };
    }
    const body = first();
    const sender = { email: body.email, phone: body.phone, country: body.country };
    // JSON.stringify drops the undefined fields: the post carries only what the sender gave.
    if (seen.length < REMEMBERED) seen.push(sender);
    else seen[oldest++ % REMEMBERED] = sender;
    return body;
  };
}
