/** Reading a client's identities from `POST /api/v1/clients`: every value must be a real identity. */
import { z } from 'zod';
import {
  normaliseEmail,
  normalisePhone,
  telegramIdentity,
  uniqueIdentities,
  type Identity,
  type Normalised,
} from '../../../core/identities.ts';

const list = (max: number) => z.array(z.string().trim().min(1).max(max)).max(20).default([]);

export const clientBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    company: z.string().trim().min(1).max(200).optional(),
    emails: list(320),
    phones: list(64),
    telegram: z
      .array(z.union([z.number().int().positive(), z.string().trim().max(64)]))
      .max(20)
      .default([]),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
    responsibleId: z.number().int().positive().optional(),
    /** Values of the clients' custom fields, by key. */
    custom: z.record(z.string().max(40), z.unknown()).optional(),
  })
  .strict()
  .refine((body) => body.name || body.company, {
    message: 'give a name or a company',
    path: ['name'],
  });

export type ClientBody = z.infer<typeof clientBody>;

export function readClientIdentities(body: ClientBody, defaultCountry: string | undefined) {
  const country = body.country?.toUpperCase() ?? defaultCountry;
  const results: [string, Normalised][] = [
    ...body.emails.map((value, i): [string, Normalised] => [`emails.${i}`, normaliseEmail(value)]),
    ...body.phones.map((value, i): [string, Normalised] => [
      `phones.${i}`,
      normalisePhone(value, country),
    ]),
    ...body.telegram.map((value, i): [string, Normalised] => [
      `telegram.${i}`,
      telegramIdentity(value),
    ]),
  ];
  const identities: Identity[] = [];
  const problems: { path: string; message: string }[] = [];
  for (const [path, result] of results) {
    if (result.ok) identities.push(result.identity);
    else problems.push({ path, message: result.reason });
  }
  return { identities: uniqueIdentities(identities), problems };
}
