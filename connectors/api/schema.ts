/** The REST intake's request body: what a third party may send to create or continue a lead. */
import { z } from 'zod';
import { SOURCES, WHEN_OPEN } from '../../core/inbound.ts';

const text = (max: number) => z.string().trim().max(max);

export const intakeBody = z
  .object({
    name: text(200).optional(),
    email: text(320).optional(),
    phone: text(64).optional(),
    telegram: z.union([z.number().int().positive(), text(64)]).optional(),
    company: text(200).optional(),
    title: text(300).optional(),
    message: z.string().max(100_000).optional(),
    source: z.enum(SOURCES).optional(),
    sentAt: z.iso.datetime({ offset: true }).optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 alpha-2 country code such as ES')
      .optional(),
    fields: z
      .record(z.string().max(100), z.union([z.string().max(10_000), z.number(), z.boolean()]))
      .optional(),
    utm: z.record(z.string().max(100), z.string().max(1000)).optional(),
    externalId: text(200).min(1).optional(),
    /** The externalId of an earlier message this one answers: continues that lead when the sender matches. */
    replyTo: text(200).min(1).optional(),
  })
  .strict();

export type IntakeBody = z.infer<typeof intakeBody>;

/**
 * A row of an imported CSV file of leads (core/runtime/csv-import.ts) enters the intake's inbox
 * like a posted lead, so the ingest decides it; what a body cannot say comes beside it: every
 * address and number of the row, the run and line it came from, its responsible and the
 * import's duplicate mode. Only the importer writes it; the intake route never takes it from a
 * request.
 */
export const importedRow = z.object({
  run: z.number().int().nonnegative(),
  line: z.number().int().positive(),
  file: z.string().max(300),
  identities: z
    .array(z.object({ kind: z.enum(['email', 'phone', 'telegram']), raw: z.string().max(1000) }))
    .max(100),
  responsibleId: z.number().int().positive().nullable(),
  /** The lead's custom field values, canonical (checked again when the lead is made). */
  custom: z.record(z.string().max(100), z.unknown()),
  whenOpen: z.enum(WHEN_OPEN),
});
export type ImportedRow = z.infer<typeof importedRow>;

/** What the API connector stores on the inbox row: the body exactly as accepted, and its context. */
export const intakeRaw = z.object({
  body: z.unknown(),
  receivedAt: z.iso.datetime(),
  /** The API key that sent it (null: the bootstrap API_KEY): scopes idempotency keys and replyTo. */
  apiKeyId: z.number().int().nullable().optional(),
  imported: importedRow.optional(),
});

/** External ids given by an API client live in that client's own namespace. */
export function scopedExternalId(apiKeyId: number | null | undefined, id: string): string {
  return `k${apiKeyId ?? 0}/${id}`;
}
export type IntakeRaw = z.infer<typeof intakeRaw>;
