/**
 * Ingest one inbox row: normalise, resolve the sender, decide the lead and persist it all in one
 * write transaction. Running it again on a finished row changes nothing. No Redis here: the
 * BullMQ wiring is in index.ts, so this is tested directly against a real SQLite file.
 */
import type { Clock } from '../../core/clock.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { decideLead } from '../../core/lead-decision.ts';
import type { InboxRow, IngestOutcome, IngestStore } from '../../core/ports.ts';
import { NORMALISERS } from '../../connectors/normalisers.ts';

export interface IngestDeps {
  store: IngestStore;
  clock: Clock;
  /** DEFAULT_COUNTRY: phones without a country code are read in it when the channel has none. */
  defaultCountry: string | undefined;
}

export function ingestInbox(deps: IngestDeps, inboxId: number): IngestOutcome {
  const { store, clock } = deps;
  // Parsing and normalising need no lock: do them before taking the write lock.
  const peek = store.loadInbox(inboxId);
  if (!peek) throw new MalformedInputError(`inbox row ${inboxId} does not exist`);
  if (peek.status !== 'pending') return finished(peek);
  const channel = store.loadChannel(peek.channelId);
  if (!channel) {
    throw new MalformedInputError(
      `channel ${peek.channelId} of inbox row ${inboxId} does not exist`,
    );
  }
  const normalise = NORMALISERS[channel.kind];
  if (!normalise) throw new MalformedInputError(`no normaliser for channel kind "${channel.kind}"`);
  const message = normalise(parseRaw(peek.raw), {
    externalId: peek.externalId,
    defaultCountry: channel.defaultCountry ?? deps.defaultCountry,
  });
  return store.transaction(() => {
    // Read again under the lock: another worker may have finished this row meanwhile.
    const row = store.loadInbox(inboxId) ?? peek;
    if (row.status !== 'pending') return finished(row);
    const state = store.loadDecisionState(channel, message);
    const options = { channelId: channel.id, appendScope: channel.appendScope };
    return store.applyDecision(row, channel, message, decideLead(message, state, options, clock));
  });
}

/** A row processed before (a duplicate delivery of its job, or the reconciler racing the queue). */
function finished(row: InboxRow): IngestOutcome {
  return {
    status: row.status,
    outcome: row.outcome ?? 'duplicate',
    leadId: row.leadId,
    ...(row.reason ? { reason: row.reason } : {}),
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
    return `${error.message}: ${error.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
  }
  return error instanceof Error ? error.message : String(error);
}
