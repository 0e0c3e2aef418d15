/** A web form's definition: its fields and what each maps to, and how the form answers. */
import { z } from 'zod';
import { RESERVED_KEYS } from '../site/field-values.ts';

export const FIELD_TYPES = [
  'text',
  'email',
  'phone',
  'textarea',
  'select',
  'checkbox',
  'consent',
  'hidden',
  'file',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Lead properties a field can fill; any other `mapsTo` is a custom lead field key. */
export const STANDARD_TARGETS = ['name', 'email', 'phone', 'company', 'comment'] as const;

const KEY = /^[a-z][a-z0-9_]{0,39}$/;
const key = z
  .string()
  .regex(KEY, 'lower-case letters, digits and _, starting with a letter, at most 40')
  .refine((value) => !value.startsWith('lw_'), 'keys starting with lw_ are reserved')
  .refine((value) => !RESERVED_KEYS.has(value), 'this name is reserved; choose another key');

export const formField = z
  .object({
    key,
    label: z.string().trim().min(1).max(500),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    options: z.array(z.string().trim().min(1).max(200)).min(1).max(100).optional(),
    /** name | email | phone | company | comment, or a custom field key (default: the field's key). */
    mapsTo: key.optional(),
    /** A hidden field's value (a query parameter of the same key on the hosted page overrides it). */
    value: z.string().max(500).optional(),
    placeholder: z.string().max(200).optional(),
    hint: z.string().max(500).optional(),
  })
  .strict()
  .refine((field) => field.type !== 'select' || field.options, {
    message: 'a select field needs options',
    path: ['options'],
  });
export type FormField = z.infer<typeof formField>;

const origin = z
  .string()
  .regex(/^https?:\/\/[^/\s?#]+$/, 'an origin like https://www.example.com (no path)');

export const formDefinition = z
  .object({
    intro: z.string().max(2000).optional(),
    fields: z
      .array(formField)
      .min(1)
      .max(50)
      .refine(
        (fields) => new Set(fields.map((f) => f.key)).size === fields.length,
        'field keys must be unique',
      )
      .refine(
        (fields) => fields.some((f) => ['email', 'phone'].includes(targetOf(f))),
        'the form needs a field that maps to email or phone, so the customer can be answered',
      ),
    submitLabel: z.string().trim().min(1).max(100).default('Send'),
    successText: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .default('Thank you! We have received your message and will get back to you soon.'),
    redirectUrl: z.url({ protocol: /^https?$/ }).optional(),
    allowedOrigins: z.array(origin).max(50).default([]),
    /** Submissions a day beyond which new ones are still kept, but flagged for review. */
    dailyCap: z.number().int().positive().default(1000),
  })
  .strict();
export type FormDefinition = z.infer<typeof formDefinition>;

/** What a field fills on the lead: its `mapsTo`, else email/phone by type, else its own key. */
export function targetOf(field: Pick<FormField, 'key' | 'type' | 'mapsTo'>): string {
  if (field.mapsTo) return field.mapsTo;
  if (field.type === 'email' || field.type === 'phone') return field.type;
  return field.key;
}
