/**
 * What one batch of imported client rows does to the clients already known: a new client, more
 * on an existing one, or nothing — decided by the rows' identities and the duplicate mode. Names
 * never match a row to a client (two Maria Garcías are two people until an identity says not).
 */
import type { Identity } from './identities.ts';

/** What to do with a row whose identity already belongs to a client (or to an earlier row). */
export type DuplicateMode = 'skip' | 'merge' | 'create';
export const DUPLICATE_MODES: readonly DuplicateMode[] = ['skip', 'merge', 'create'];

export interface ImportedClient {
  /** The row's line in the file, for the report. */
  line: number;
  kind: 'contact' | 'company';
  name: string | null;
  company: string | null;
  identities: Identity[];
  responsibleId: number | null;
  custom: Record<string, unknown>;
}

/** A client the batch's identities point at, as it is now. */
export interface KnownClient {
  id: number;
  name: string | null;
  company: string | null;
  responsibleId: number | null;
  custom: Record<string, unknown>;
  identityKeys: string[];
}

export interface ClientFill {
  name?: string;
  company?: string;
  responsibleId?: number;
  custom?: Record<string, unknown>;
}

export type ImportStep =
  | { kind: 'create'; line: number; client: ImportedClient }
  | {
      kind: 'update';
      line: number;
      clientId: number;
      fill: ClientFill;
      addIdentities: Identity[];
    }
  | { kind: 'skip'; line: number; clientId: number | null };

/**
 * Steps in row order. A row matching a client (by any identity) is skipped, merged into it or
 * created beside it as `mode` says; rows of this batch that match each other are treated the
 * same way, the first one standing for the client. A merge only fills what is empty and adds
 * identities: it never overwrites a value someone already keeps on the client.
 */
export function planClientImport(
  rows: readonly ImportedClient[],
  known: ReadonlyMap<string, KnownClient>,
  mode: DuplicateMode,
): ImportStep[] {
  const steps: ImportStep[] = [];
  // The batch's own new clients by identity key: the index of their `create` step.
  const pending = new Map<string, number>();
  // Known clients as this batch's earlier rows leave them, and which of them each key names:
  // the keys a matching row brings belong to its client for the rest of the batch (a merge
  // adds them; a skip leaves the client as it was, but a later row naming them is still them).
  const current = new Map<number, KnownClient>();
  const claimed = new Map<string, number>();
  for (const [key, client] of known) {
    current.set(client.id, client);
    claimed.set(key, client.id);
  }
  for (const row of rows) {
    const matchId = mode === 'create' ? undefined : firstOf(row, claimed);
    const existing = matchId === undefined ? undefined : current.get(matchId);
    const earlier = mode === 'create' ? undefined : firstOf(row, pending);
    if (existing) {
      const step =
        mode === 'skip'
          ? ({ kind: 'skip', line: row.line, clientId: existing.id } as const)
          : fillStep(row, existing);
      if (step.kind === 'update') current.set(existing.id, applyFill(existing, step));
      claim(claimed, row, existing.id);
      steps.push(step);
    } else if (earlier !== undefined) {
      const step = steps[earlier] as Extract<ImportStep, { kind: 'create' }>;
      if (mode === 'merge') step.client = mergeRows(step.client, row);
      claim(pending, row, earlier);
      steps.push({ kind: 'skip', line: row.line, clientId: null });
    } else {
      steps.push({ kind: 'create', line: row.line, client: row });
      claim(pending, row, steps.length - 1);
    }
  }
  return steps;
}

/** The first of the row's identities `owners` knows, in the row's order. */
function firstOf(row: ImportedClient, owners: ReadonlyMap<string, number>): number | undefined {
  for (const identity of row.identities) {
    const owner = owners.get(identity.key);
    if (owner !== undefined) return owner;
  }
  return undefined;
}

/** The row's keys not yet named by anyone now name `owner`. */
function claim(owners: Map<string, number>, row: ImportedClient, owner: number) {
  for (const identity of row.identities) {
    if (!owners.has(identity.key)) owners.set(identity.key, owner);
  }
}

/** What the row adds to an existing client; a skip when it adds nothing. */
function fillStep(row: ImportedClient, client: KnownClient): ImportStep {
  const fill: ClientFill = {};
  if (!client.name && row.name) fill.name = row.name;
  if (!client.company && row.company) fill.company = row.company;
  if (client.responsibleId === null && row.responsibleId !== null)
    fill.responsibleId = row.responsibleId;
  const custom = { ...client.custom };
  let customChanged = false;
  for (const [key, value] of Object.entries(row.custom)) {
    if (custom[key] === undefined || custom[key] === null || custom[key] === '') {
      custom[key] = value;
      customChanged = true;
    }
  }
  if (customChanged) fill.custom = custom;
  const owned = new Set(client.identityKeys);
  const addIdentities = row.identities.filter((identity) => !owned.has(identity.key));
  if (!Object.keys(fill).length && !addIdentities.length)
    return { kind: 'skip', line: row.line, clientId: client.id };
  return { kind: 'update', line: row.line, clientId: client.id, fill, addIdentities };
}

function applyFill(
  client: KnownClient,
  step: Extract<ImportStep, { kind: 'update' }>,
): KnownClient {
  return {
    ...client,
    ...step.fill,
    identityKeys: [...client.identityKeys, ...step.addIdentities.map((identity) => identity.key)],
  };
}

/** Two rows of the file for one client: the first row's values win, identities add up. */
function mergeRows(first: ImportedClient, later: ImportedClient): ImportedClient {
  const keys = new Set(first.identities.map((identity) => identity.key));
  return {
    ...first,
    name: first.name ?? later.name,
    company: first.company ?? later.company,
    responsibleId: first.responsibleId ?? later.responsibleId,
    custom: { ...later.custom, ...first.custom },
    identities: [...first.identities, ...later.identities.filter((i) => !keys.has(i.key))],
  };
}

/** How a batch's steps count in an import's report. */
export function countSteps(steps: readonly ImportStep[]): {
  created: number;
  updated: number;
  skipped: number;
} {
  let created = 0;
  let updated = 0;
  let skipped = 0;
  for (const step of steps) {
    if (step.kind === 'create') created++;
    else if (step.kind === 'update') updated++;
    else skipped++;
  }
  return { created, updated, skipped };
}
