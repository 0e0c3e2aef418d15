/**
 * Ingest inbox rows: read and normalise them (no lock needed), then resolve the sender, decide
 * the lead and persist it all in ONE transaction of the store. Running it again on a finished
 * row changes nothing. No Redis here: the BullMQ wiring is in index.ts, so this is tested
 * directly against both stores.
 */
import { channelOf, type AnyChannel, type ExpandDeps } from '../../core/channel.ts';
import type { Clock } from '../../core/clock.ts';
import { MalformedInputError } from '../../core/errors.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { awaitsProcessing, finishedOutcome, ingestPlanner } from '../../core/ingest-plan.ts';
import type { ChannelInfo, InboxRow, IngestOutcome } from '../../core/ports.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { BatchResult, IngestItem } from '../../core/repositories/ingest.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';

export type { BatchResult };

export interface IngestDeps {
  repos: Pick<Repositories, 'inbox' | 'channels' | 'ingest'> &
    Partial<Pick<Repositories, 'customFields'>>;
  /** The channel registry: each row's channel normalises (and expands) its own events. */
  channels: readonly AnyChannel[];
  clock: Clock;
  /** DEFAULT_COUNTRY: phones without a country code are read in it when the channel has none. */
  defaultCountry: string | undefined;
  /** What channels with an async parse step (email, Telegram files) need: the blob store and its limits. */
  expand?: ExpandDeps;
}

/** An inbox row read and normalised, ready to be decided and persisted under the write lock. */
export type PreparedIngest =
  | { kind: 'finished'; outcome: IngestOutcome }
  | { kind: 'ready'; row: InboxRow; channel: ChannelInfo; message: InboundMessage };

/**
 * The part that needs no lock: read the row and its channel, run the channel's async step when
 * it has one (reading blobs, parsing mail, fetching files), normalise. Throws on bad input.
 */
export async function prepareIngest(deps: IngestDeps, inboxId: number): Promise<PreparedIngest> {
  const row = await deps.repos.inbox.get(inboxId);
  return prepareRow(deps, inboxId, row, (id) => deps.repos.channels.info(id));
}

/**
 * prepareIngest for many rows at once: the rows are read with ONE query and each channel once
 * (over the network, one query for them all costs about what one for a single row does). A row
 * that cannot be prepared fails alone; a read that fails fails them all.
 */
export async function prepareMany(
  deps: IngestDeps,
  inboxIds: number[],
): Promise<(PreparedIngest | BatchResult)[]> {
  const rows = new Map((await deps.repos.inbox.getMany(inboxIds)).map((row) => [row.id, row]));
  const channels = new Map<number, Promise<ChannelInfo | undefined>>();
  const channelInfo = (id: number) => {
    let info = channels.get(id);
    if (!info) channels.set(id, (info = deps.repos.channels.info(id)));
    return info;
  };
  return Promise.all(
    inboxIds.map((inboxId) =>
      prepareRow(deps, inboxId, rows.get(inboxId), channelInfo).catch(
        (error: unknown): BatchResult => ({ ok: false, error }),
      ),
    ),
  );
}

export async function prepareRow(
  deps: IngestDeps,
  inboxId: number,
  row: InboxRow | undefined,
  channelInfo: (id: number) => Promise<ChannelInfo | undefined>,
): Promise<PreparedIngest> {
  if (!row) throw new MalformedInputError(`inbox row ${inboxId} does not exist`);
  if (!awaitsProcessing(row)) return { kind: 'finished', outcome: finishedOutcome(row) };
  const channel = await channelInfo(row.channelId);
  if (!channel) {
    throw new MalformedInputError(
      `channel ${row.channelId} of inbox row ${inboxId} does not exist`,
    );
  }
  const implementation = channelOf(deps.channels, channel.kind);
  if (!implementation) throw new MalformedInputError(`no channel of kind "${channel.kind}"`);
  let raw = parseRaw(row.raw);
  if (implementation.expand) {
    if (!deps.expand)
      throw new Error(`the ${channel.kind} channel needs the blob store in the worker`);
    raw = await implementation.expand(raw, deps.expand, channel);
  }
  const message = implementation.normalise(raw, {
    externalId: row.externalId,
    defaultCountry: channel.defaultCountry ?? deps.defaultCountry,
  });
  return { kind: 'ready', row, channel, message };
}

export async function ingestInbox(deps: IngestDeps, inboxId: number): Promise<IngestOutcome> {
  const [result] = await commitBatch(deps, [await prepareIngest(deps, inboxId)]);
  if (!result?.ok) throw result ? result.error : new Error('no result for this row');
  return result.outcome;
}

/**
 * Several rows in ONE transaction (one commit instead of one per row — the commit is most of the
 * cost of a message). Each row succeeds or fails alone. If the transaction itself cannot start
 * or commit, every row gets that error and its job is retried.
 */
export async function ingestBatch(deps: IngestDeps, inboxIds: number[]): Promise<BatchResult[]> {
  const prepared = await prepareMany(deps, inboxIds).catch((error: unknown) =>
    inboxIds.map((): BatchResult => ({ ok: false, error })),
  );
  return commitBatch(deps, prepared);
}

/** The commit half of ingestBatch, for rows prepared beforehand (failed preparations pass through). */
export async function commitBatch(
  deps: IngestDeps,
  prepared: (BatchResult | PreparedIngest)[],
): Promise<BatchResult[]> {
  const items: IngestItem[] = [];
  for (const item of prepared) if (!('ok' in item) && item.kind === 'ready') items.push(item);
  // Form fields (and an imported row's values) fill the leads' custom fields of the same key:
  // read once a batch, when needed.
  const withFields = items.some(
    (item) => Object.keys(item.message.fields).length > 0 || item.message.custom !== undefined,
  );
  const customFields =
    withFields && deps.repos.customFields ? await deps.repos.customFields.list('lead') : [];
  const committed = items.length
    ? await deps.repos.ingest.commit(items, ingestPlanner(deps.clock, customFields))
    : [];
  let next = 0;
  return prepared.map((item): BatchResult => {
    if ('ok' in item) return item;
    if (item.kind === 'finished') return { ok: true, outcome: item.outcome };
    return committed[next++] ?? { ok: false, error: new Error('no result for this row') };
  });
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
