/**
 * Ingest inbox rows: normalise, resolve the sender, decide the lead and persist it all in one
 * write transaction. Running it again on a finished row changes nothing. No Redis here: the
 * BullMQ wiring is in index.ts, so this is tested directly against a real SQLite file.
 */
import type { Clock } from '../../core/clock.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { decideLead } from '../../core/lead-decision.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { ChannelInfo, InboxRow, IngestOutcome, IngestStore } from '../../core/ports.ts';
import { EXPANDERS, NORMALISERS, type ExpandDeps } from '../../connectors/normalisers.ts';

export interface IngestDeps {
  store: IngestStore;
  clock: Clock;
  /** DEFAULT_COUNTRY: phones without a country code are read in it when the channel has none. */
  defaultCountry: string | undefined;
  /** What channels with an async parse step (email) need: the blob store and its limits. */
  expand?: ExpandDeps;
}

/** An inbox row read and normalised, ready to be decided and persisted under the write lock. */
export type PreparedIngest =
  | { kind: 'finished'; outcome: IngestOutcome }
  | { kind: 'ready'; row: InboxRow; channel: ChannelInfo; message: InboundMessage };

/**
 * The part that needs no lock: read the row, parse and normalise it. Throws on bad input.
 * `expanded` is the raw event after its channel's async step (an email parsed from its .eml).
 */
export function prepareIngest(
  deps: IngestDeps,
  inboxId: number,
  expanded?: unknown,
): PreparedIngest {
  const { store } = deps;
  const row = store.loadInbox(inboxId);
  if (!row) throw new MalformedInputError(`inbox row ${inboxId} does not exist`);
  if (!awaitsProcessing(row)) return { kind: 'finished', outcome: finished(row) };
  const channel = store.loadChannel(row.channelId);
  if (!channel) {
    throw new MalformedInputError(
      `channel ${row.channelId} of inbox row ${inboxId} does not exist`,
    );
  }
  const normalise = NORMALISERS[channel.kind];
  if (!normalise) throw new MalformedInputError(`no normaliser for channel kind "${channel.kind}"`);
  const message = normalise(expanded ?? parseRaw(row.raw), {
    externalId: row.externalId,
    defaultCountry: channel.defaultCountry ?? deps.defaultCountry,
  });
  return { kind: 'ready', row, channel, message };
}

/** prepareIngest, after the channel's async step when it has one (reading blobs, parsing mail). */
export async function prepareIngestAsync(
  deps: IngestDeps,
  inboxId: number,
): Promise<PreparedIngest> {
  const row = deps.store.loadInbox(inboxId);
  const channel = row && awaitsProcessing(row) ? deps.store.loadChannel(row.channelId) : undefined;
  const expand = channel && EXPANDERS[channel.kind];
  if (!row || !expand) return prepareIngest(deps, inboxId);
  if (!deps.expand)
    throw new Error(`the ${channel.kind} channel needs the blob store in the worker`);
  return prepareIngest(deps, inboxId, await expand(parseRaw(row.raw), deps.expand, channel));
}

/** Resolve, decide and persist. Runs inside the caller's write transaction. */
export function commitIngest(deps: IngestDeps, prepared: PreparedIngest): IngestOutcome {
  if (prepared.kind === 'finished') return prepared.outcome;
  const { store, clock } = deps;
  const { channel, message } = prepared;
  // Read again under the lock: another worker may have finished this row meanwhile.
  const row = store.loadInbox(prepared.row.id) ?? prepared.row;
  if (!awaitsProcessing(row)) return finished(row);
  const state = store.loadDecisionState(channel, message);
  const options = { channelId: channel.id, appendScope: channel.appendScope };
  return store.applyDecision(row, channel, message, decideLead(message, state, options, clock));
}

export function ingestInbox(deps: IngestDeps, inboxId: number): IngestOutcome {
  const prepared = prepareIngest(deps, inboxId);
  return deps.store.transaction(() => commitIngest(deps, prepared));
}

export type BatchResult = { ok: true; outcome: IngestOutcome } | { ok: false; error: unknown };

/**
 * Several rows in ONE write transaction (one commit instead of one per row — the commit is
 * most of the cost of a message). Each row runs in its own savepoint, so a row that fails
 * rolls back alone and the others still commit. If the transaction itself cannot start or
 * commit, every row gets that error and its job is retried.
 */
export function ingestBatch(deps: IngestDeps, inboxIds: number[]): BatchResult[] {
  const prepared = inboxIds.map((inboxId): BatchResult | PreparedIngest => {
    try {
      return prepareIngest(deps, inboxId);
    } catch (error) {
      return { ok: false, error };
    }
  });
  return commitBatch(deps, prepared);
}

/** The commit half of ingestBatch, for rows prepared beforehand (failed preparations pass through). */
export function commitBatch(
  deps: IngestDeps,
  prepared: (BatchResult | PreparedIngest)[],
): BatchResult[] {
  try {
    return deps.store.transaction(() =>
      prepared.map((item): BatchResult => {
        if ('ok' in item) return item;
        try {
          // A nested transaction is a savepoint.
          return { ok: true, outcome: deps.store.transaction(() => commitIngest(deps, item)) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  } catch (error) {
    return prepared.map(() => ({ ok: false, error }));
  }
}

/**
 * Pending rows, and failed ones: a failed row has no lead yet, and only an operator puts its job
 * back (a retry from the dashboard or the CLI, a replay) — after a fix, so it is processed again.
 * Done and ignored rows are final: their jobs, however often they run, change nothing.
 */
function awaitsProcessing(row: InboxRow): boolean {
  return row.status === 'pending' || row.status === 'failed';
}

/** A row processed before (a duplicate delivery of its job, or the reconciler racing the queue). */
function finished(row: InboxRow): IngestOutcome {
  return {
    status: row.status,
    outcome: row.outcome ?? 'duplicate',
    leadId: row.leadId,
    ...(row.reason ? { reason: row.reason } : {}),
    earlier: true,
  };
}

function parseRaw(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new MalformedInputError('the stored raw event is not JSON');
  }
}

/** The text kept on a failed inbox row: the message and, for bad input, what exactly is wrong. */
export function describeError(error: unknown): string {
  if (error instanceof MalformedInputError && error.details.length) {
    return scrubSecrets(
      `${error.message}: ${error.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    );
  }
  return scrubSecrets(error instanceof Error ? error.message : String(error));
}
