/**
 * The CRM a run starts from and the people who write to it: operators, `count` clients with an
 * email and a phone each (in bulk by db/seed.ts), and a seeded stream of REST intake bodies, a
 * share from those clients (spelling their details as people do), the rest from new senders.
 */
import { newApiKey } from '../../core/api-keys.ts';
import { API_CHANNEL_ID } from '../../connectors/api/index.ts';
import type { IntakeBody } from '../../connectors/api/schema.ts';
import type { Store } from '../../core/repositories/index.ts';
import { seedCrm as seedStore, type CrmSeed, type SeedLead } from '../../db/seed.ts';
import type { Run } from './context.ts';

const USERS = 10;
const OPERATORS = 5;

export const clientEmail = (n: number) => `client${n}@example.com`;
export const clientPhone = (n: number) => `+346${String(n).padStart(8, '0')}`;

/** Seeds `clients` clients (and leads, when given), saying how far it got. */
export async function seedCrm(
  run: Run,
  store: Store,
  clients: number,
  leads?: { count: number; lead(n: number): SeedLead },
): Promise<void> {
  const started = performance.now();
  const seed: CrmSeed = {
    users: Array.from({ length: USERS }, (_, i) => ({
      id: i + 1,
      name: `Operator ${i + 1}`,
      email: `operator${i + 1}@leadwire.test`,
      ...(i < OPERATORS ? { operatorOf: API_CHANNEL_ID } : {}),
    })),
    clients,
    client: (n) => ({
      name: `Client ${n}`,
      responsibleId: 1 + (n % USERS),
      identities: [
        { kind: 'email', key: `email:${clientEmail(n)}`, raw: clientEmail(n) },
        { kind: 'phone', key: `phone:${clientPhone(n)}`, raw: clientPhone(n) },
      ],
    }),
    ...(leads ? { leads } : {}),
  };
  await seedStore(store, seed, (done, what) => {
    if (done % 250_000 === 0) run.progress(`seeded ${done} ${what}`);
  });
  const took = ((performance.now() - started) / 1000).toFixed(1);
  run.progress(`seeded ${clients} clients${leads ? ` and ${leads.count} leads` : ''} in ${took} s`);
}

/** A REST intake key: the bearer `key` and the id that scopes its Idempotency-Keys. */
export async function intakeKey(store: Store): Promise<{ key: string; id: number }> {
  const { key, prefix, hash } = newApiKey();
  const id = await store.users.createApiKey({ name: 'bench', role: 'intake', prefix, hash });
  return { key, id };
}

export type NextBody = () => IntakeBody;

/** `returning` (0–1) of the bodies come from seeded clients 1..clients. */
export function senderStream(clients: number, returning: number, seed = 42): NextBody {
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
    const email = `lead${fresh}@example.org`;
    const phone = `+3471${String(fresh).padStart(7, '0')}`;
    const variant = pick(3);
    return { ...body, ...(variant === 1 ? {} : { email }), ...(variant === 0 ? {} : { phone }) };
  };
}

/** The ways a returning client writes their contact details (all resolve to the seeded keys). */
function returningSender(n: number, variant: number): Partial<IntakeBody> {
  const email = clientEmail(n);
  const national = clientPhone(n).slice(3);
  const spellings: Partial<IntakeBody>[] = [
    { email },
    { email: `Client${n}@Example.COM` },
    { email: email.replace('@', '+quote@') },
    { phone: clientPhone(n) },
    {
      phone: `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`,
      country: 'ES',
    },
    { email, phone: `0034${national}` },
  ];
  return spellings[variant] ?? { email };
}

/** A small, fast, seedable PRNG (public domain), so two runs send the same messages. */
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
