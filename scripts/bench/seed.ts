/**
 * The CRM the bench runs against: operators on the REST intake channel and `count` clients, each
 * with an email and a phone identity (written in bulk by db/seed.ts).
 */
import type { Store } from '../../core/repositories/index.ts';
import { seedCrm as seedStore, type CrmSeed } from '../../db/seed.ts';

/** The seeded REST intake channel (the first migration creates it). */
export const API_CHANNEL_ID = 1;
const USERS = 10;
const OPERATORS = 5;

/** The identities client `n` was created with; senders.ts spells them in other ways. */
export const clientEmail = (n: number) => `client${n}@example.com`;
export const clientPhone = (n: number) => `+346${String(n).padStart(8, '0')}`;

export function crmSeed(count: number): CrmSeed {
  if (count > 99_999_999) throw new Error('at most 99,999,999 clients (8-digit phone numbers)');
  return {
    users: Array.from({ length: USERS }, (_, i) => ({
      id: i + 1,
      name: `Operator ${i + 1}`,
      email: `operator${i + 1}@leadwire.test`,
      ...(i < OPERATORS ? { operatorOf: API_CHANNEL_ID } : {}),
    })),
    clients: count,
    client: (n) => {
      const email = clientEmail(n);
      const phone = clientPhone(n);
      return {
        name: `Client ${n}`,
        responsibleId: 1 + (n % USERS),
        identities: [
          { kind: 'email', key: `email:${email}`, raw: email },
          { kind: 'phone', key: `phone:${phone}`, raw: phone },
        ],
      };
    },
  };
}

export function seedCrm(store: Store, count: number, onProgress: (done: number) => void) {
  return seedStore(store, crmSeed(count), onProgress);
}
