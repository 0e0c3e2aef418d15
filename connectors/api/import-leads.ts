/**
 * Leads from a CSV file, through the REST intake: each row is recorded in the intake channel's
 * inbox like a posted lead (source IMPORT, external id `import:<run>:<line>`), then decided by
 * the ingest's own table and written by its one transaction. So an imported row is exactly what
 * the same person's message would have been: a repeat lead for a client, one more message on
 * the lead already open for them, or a new simple lead. The import's duplicate mode is the
 * message's `whenOpen`: merge appends to the open lead, skip leaves the row out (its inbox row a
 * duplicate of that lead), create opens a new lead linked to it as a possible duplicate.
 *
 * A batch is recorded, then committed, then the run moves on. A crash in between loses
 * nothing: the rows are in the inbox (the reconciler would give them to a worker), and a resumed
 * run reads the batch again and finds them, decided once.
 */
import type { Clock } from '../../core/clock.ts';
import { MalformedInputError } from '../../core/errors.ts';
import type { DuplicateMode } from '../../core/import-plan.ts';
import type { InboundMessage, WhenOpen } from '../../core/inbound.ts';
import { ingestPlanner } from '../../core/ingest-plan.ts';
import { LeadRehearsal } from '../../core/lead-rehearsal.ts';
import type { ChannelInfo, InboxOutcome } from '../../core/ports.ts';
import type { ImportRun, Repositories } from '../../core/repositories/index.ts';
import type { BatchWriter, ImportSettings } from '../../core/runtime/csv-import.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { API_CHANNEL_ID } from './intake.ts';
import { normaliseIntake } from './normalise.ts';
import type { IntakeBody, IntakeRaw } from './schema.ts';

const WHEN_OPEN: Record<DuplicateMode, WhenOpen> = {
  merge: 'append',
  skip: 'skip',
  create: 'new-lead',
};

interface LeadItem {
  line: number;
  values: string[];
  externalId: string;
  raw: IntakeRaw;
  message: InboundMessage;
}

export type LeadImportRepos = Pick<
  Repositories,
  'imports' | 'inbox' | 'ingest' | 'channels' | 'customFields'
>;

export async function leadWriter(
  repos: LeadImportRepos,
  settings: ImportSettings,
  target: { run: ImportRun } | { dryRun: true },
  fileName: string,
  clock: Clock,
): Promise<BatchWriter<LeadItem>> {
  const channel = await repos.channels.info(API_CHANNEL_ID);
  if (!channel)
    throw new Error(
      `the REST intake channel (id ${API_CHANNEL_ID}) is missing: run the migrations`,
    );
  const run = 'run' in target ? target.run : undefined;
  const customFields = await repos.customFields.list('lead');
  const country = settings.defaultCountry ?? channel.defaultCountry ?? undefined;
  const whenOpen = WHEN_OPEN[settings.mode];
  const rehearsal = new LeadRehearsal();

  return {
    batchSize: repos.imports.leadBatchSize,
    take({ line, values, record, responsibleId }) {
      const externalId = `import:${run?.id ?? 'dry'}:${line}`;
      const body: IntakeBody = {
        source: 'IMPORT',
        ...(record.name ? { name: record.name } : {}),
        ...(record.company ? { company: record.company } : {}),
        ...(record.title ? { title: record.title } : {}),
        ...(record.comment ? { message: record.comment } : {}),
        ...(country ? { country } : {}),
      };
      const raw: IntakeRaw = {
        body,
        receivedAt: clock.now().toISOString(),
        apiKeyId: null,
        imported: {
          run: run?.id ?? 0,
          line,
          file: fileName.slice(0, 300),
          identities: record.identities.map(({ kind, raw: written }) => ({ kind, raw: written })),
          responsibleId,
          custom: record.custom,
          whenOpen,
        },
      };
      try {
        const message = normaliseIntake(raw, { externalId, defaultCountry: country });
        return { ok: true, item: { line, values, externalId, raw, message } };
      } catch (error) {
        if (!(error instanceof MalformedInputError)) throw error;
        return { ok: false, reason: reasonOf(error) };
      }
    },
    async write(batch, progress) {
      if (!run) return rehearse(repos, channel, rehearsal, batch, clock);
      const counts = { created: 0, updated: 0, skipped: 0 };
      const refused: { line: number; reason: string; values: string[] }[] = [];
      if (batch.length) {
        const recorded = await repos.inbox.recordBatch(
          API_CHANNEL_ID,
          batch.map((item) => ({ externalId: item.externalId, raw: JSON.stringify(item.raw) })),
          progress.at,
        );
        const items = recorded.map(({ row }, n) => ({ row, channel, message: batch[n]!.message }));
        const results = await repos.ingest.commit(items, ingestPlanner(clock, customFields));
        // The transaction itself failed (busy, a lost connection): nothing of the batch is in,
        // and the run stops before it, to resume there.
        const [first] = results;
        const whole =
          results.length > 1 &&
          results.every((result) => !result.ok && !first?.ok && result.error === first?.error);
        if (whole && first && !first.ok) throw first.error;
        for (const [n, result] of results.entries()) {
          const item = batch[n]!;
          if (!result.ok) {
            // Kept on the inbox as failed, with why: `inbox replay` takes it again.
            const error = scrubSecrets(
              result.error instanceof Error ? result.error.message : String(result.error),
            );
            await repos.inbox.markFailed(items[n]!.row.id, error, 1, progress.at);
            refused.push({ line: item.line, reason: `not written: ${error}`, values: item.values });
            continue;
          }
          const { outcome, reason } = result.outcome;
          const counted = countOf(outcome);
          if (counted) counts[counted]++;
          else
            refused.push({
              line: item.line,
              reason: reason ?? `not a lead (${outcome})`,
              values: item.values,
            });
        }
      }
      const moved = await repos.imports.advance(run.id, counts, {
        ...progress,
        refused: progress.refused + refused.length,
      });
      return { counts, refused, run: moved };
    },
  };
}

/** What an outcome counts as; undefined when the row became no lead and is refused. */
function countOf(outcome: InboxOutcome): 'created' | 'updated' | 'skipped' | undefined {
  if (outcome === 'created_simple' || outcome === 'created_repeat') return 'created';
  if (outcome === 'appended') return 'updated';
  // Left out by the skip mode (or, on a file imported twice in one run, already there).
  if (outcome === 'duplicate') return 'skipped';
  return undefined;
}

/** A dry run's batch: each row decided on the store's state and what earlier rows would leave. */
async function rehearse(
  repos: Pick<Repositories, 'ingest'>,
  channel: ChannelInfo,
  rehearsal: LeadRehearsal,
  batch: LeadItem[],
  clock: Clock,
) {
  const counts = { created: 0, updated: 0, skipped: 0 };
  const refused: { line: number; reason: string; values: string[] }[] = [];
  const options = { channelId: channel.id, appendScope: channel.appendScope };
  for (const item of batch) {
    const state = await repos.ingest.peek(channel, item.message);
    const decision = rehearsal.decide(item.message, state, options, clock);
    if (decision.kind === 'create') counts.created++;
    else if (decision.kind === 'append') counts.updated++;
    else if (decision.kind === 'skip' || decision.kind === 'leave') counts.skipped++;
    else refused.push({ line: item.line, reason: decision.reason, values: item.values });
  }
  return { counts, refused };
}

/** A row the intake would refuse, in the words of its checks. */
function reasonOf(error: MalformedInputError): string {
  if (!error.details.length) return error.message;
  return `${error.message}: ${error.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
}
