/** Synthetic customers whose identities are spelled a different way in every message. */

export interface Sender {
  index: number;
  email: string;
  /** National Spanish mobile, 9 digits. */
  phone: string;
}

export function makeSenders(count: number, offset = 0): Sender[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + offset;
    return {
      index,
      email: `customer${index}@example.com`,
      phone: `6${String(10_000_000 + index).padStart(8, '0')}`,
    };
  });
}

/** The k-th way of writing a sender's email and phone: case, +tags, spaces, 0034 / +34 / national. */
export function spelled(sender: Sender, k: number): { email: string; phone: string } {
  const [local, domain] = sender.email.split('@') as [string, string];
  const emails = [
    sender.email,
    `${local.toUpperCase()}@${domain}`,
    ` ${local}+k${k}@${domain.toUpperCase()} `,
    `${local}@${domain}`.replace('customer', 'Customer'),
  ];
  const p = sender.phone;
  const phones = [
    `+34${p}`,
    `0034 ${p.slice(0, 3)} ${p.slice(3, 6)} ${p.slice(6)}`,
    `${p.slice(0, 3)}-${p.slice(3)}`,
    `(+34) ${p}`,
  ];
  return {
    email: emails[k % emails.length] ?? sender.email,
    phone: phones[(k * 7 + sender.index) % phones.length] ?? p,
  };
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const run = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, run));
  return results;
}

/** Fisher–Yates with a seeded generator, so a failing order can be reproduced. */
export function shuffle<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
