/**
 * REST intake bodies for the bench: a given share from returning senders (seeded clients, their
 * email or phone written the way people write them) and the rest from senders never seen before.
 * A seeded generator, so two runs send the same messages.
 */
import type { IntakeBody } from '../../connectors/api/schema.ts';
import { clientEmail, clientPhone } from './seed.ts';

export interface SenderMix {
  /** Seeded clients are numbered 1..clients. */
  clients: number;
  /** Share of messages from seeded clients (0–1). */
  returning: number;
  seed?: number;
}

export type NextBody = () => IntakeBody;

export function senderStream({ clients, returning, seed = 42 }: SenderMix): NextBody {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  let fresh = 0;
  return () => {
    const body: IntakeBody = {
      name: 'Bench Sender',
      message: 'Hello, could you send me a quote for twelve units delivered next month?',
      source: 'API',
      utm: { source: 'bench' },
    };
    if (random() < returning) return { ...body, ...returningSender(1 + pick(clients), pick(6)) };
    fresh += 1;
    return { ...body, ...newSender(fresh, pick(3)) };
  };
}

/** The ways a returning client writes their contact details (all resolve to the seeded keys). */
function returningSender(n: number, variant: number): Partial<IntakeBody> {
  const email = clientEmail(n);
  const phone = clientPhone(n);
  const national = phone.slice(3);
  switch (variant) {
    case 0:
      return { email };
    case 1:
      return { email: `Client${n}@Example.COM` };
    case 2:
      return { email: email.replace('@', '+quote@') };
    case 3:
      return { phone };
    case 4:
      return {
        phone: `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`,
        country: 'ES',
      };
    default:
      return { email, phone: `0034${national}` };
  }
}

/** New senders: unique per run, with an email, a phone (Spanish mobile 71x…) or both. */
function newSender(m: number, variant: number): Partial<IntakeBody> {
  const email = `lead${m}@example.org`;
  const phone = `+3471${String(m).padStart(7, '0')}`;
  if (variant === 0) return { email };
  if (variant === 1) return { phone };
  return { email, phone };
}

/** A small, fast, seedable PRNG (public domain); Math.random cannot be seeded. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
