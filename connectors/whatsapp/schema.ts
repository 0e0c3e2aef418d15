/**
 * The parts of Meta's `whatsapp_business_account` webhook Leadwire reads, checked loosely:
 * Meta adds fields often, and unknown ones pass through. A part of a message in an unexpected
 * shape is dropped (`catch`) rather than failing the whole message.
 */
import { z } from 'zod';

const text = z.string();
/** Meta's examples give coordinates as numbers; some relays send strings. */
const coordinate = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

export const graphError = z.looseObject({
  code: z.number().optional(),
  title: text.optional(),
  message: text.optional(),
  error_data: z.looseObject({ details: text.optional() }).optional(),
});

const media = z.looseObject({
  id: text,
  mime_type: text.optional(),
  sha256: text.optional(),
  caption: text.optional(),
  filename: text.optional(),
  /** Audio: a voice note recorded in WhatsApp. */
  voice: z.boolean().optional(),
  /** Sticker: an animated one. */
  animated: z.boolean().optional(),
});

const sharedContact = z.looseObject({
  name: z
    .looseObject({
      formatted_name: text.optional(),
      first_name: text.optional(),
      last_name: text.optional(),
    })
    .optional(),
  phones: z.array(z.looseObject({ phone: text.optional(), wa_id: text.optional() })).optional(),
  emails: z.array(z.looseObject({ email: text.optional() })).optional(),
  org: z.looseObject({ company: text.optional(), title: text.optional() }).optional(),
});

const reply = z.looseObject({ id: text, title: text, description: text.optional() });

/** Every part is optional and dropped when malformed: the message itself is never lost. */
const part = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

export const message = z.looseObject({
  id: text,
  from: text.optional(),
  /** A business-scoped user id, for users who hide their number behind a username. */
  from_user_id: text.optional(),
  timestamp: text.optional(),
  type: text.optional(),
  text: part(z.looseObject({ body: text })),
  image: part(media),
  audio: part(media),
  video: part(media),
  document: part(media),
  sticker: part(media),
  location: part(
    z.looseObject({
      latitude: coordinate,
      longitude: coordinate,
      name: text.optional(),
      address: text.optional(),
      url: text.optional(),
    }),
  ),
  contacts: part(z.array(sharedContact)),
  interactive: part(
    z.looseObject({
      type: text,
      button_reply: reply.optional(),
      list_reply: reply.optional(),
      nfm_reply: z
        .looseObject({
          name: text.optional(),
          body: text.optional(),
          response_json: text.optional(),
        })
        .optional(),
    }),
  ),
  button: part(z.looseObject({ text: text.optional(), payload: text.optional() })),
  reaction: part(z.looseObject({ message_id: text.optional(), emoji: text.optional() })),
  context: part(
    z.looseObject({
      id: text.optional(),
      from: text.optional(),
      forwarded: z.boolean().optional(),
      frequently_forwarded: z.boolean().optional(),
      referred_product: z
        .looseObject({ catalog_id: text.optional(), product_retailer_id: text.optional() })
        .optional(),
    }),
  ),
  referral: part(
    z.looseObject({
      source_url: text.optional(),
      source_id: text.optional(),
      source_type: text.optional(),
      headline: text.optional(),
      body: text.optional(),
      media_type: text.optional(),
      ctwa_clid: text.optional(),
    }),
  ),
  order: part(
    z.looseObject({
      catalog_id: text.optional(),
      text: text.optional(),
      product_items: z
        .array(
          z.looseObject({
            product_retailer_id: text.optional(),
            quantity: z.union([z.number(), text]).optional(),
            item_price: z.union([z.number(), text]).optional(),
            currency: text.optional(),
          }),
        )
        .optional(),
    }),
  ),
  system: part(
    z.looseObject({
      body: text.optional(),
      type: text.optional(),
      wa_id: text.optional(),
      /** The older shape of a number change. */
      new_wa_id: text.optional(),
      customer: text.optional(),
    }),
  ),
  errors: part(z.array(graphError)),
});

export const status = z.looseObject({
  id: text,
  status: text,
  timestamp: text.optional(),
  recipient_id: text.optional(),
  errors: part(z.array(graphError)),
  pricing: part(z.looseObject({ category: text.optional(), billable: z.boolean().optional() })),
});

export const contact = z.looseObject({
  wa_id: text.optional(),
  user_id: text.optional(),
  profile: z.looseObject({ name: text.optional() }).optional(),
});

/** The envelope the webhook checks; messages and statuses are read in full by the normaliser. */
export const notification = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      id: text.optional(),
      changes: z.array(
        z.looseObject({
          field: text.optional(),
          value: z.looseObject({
            metadata: z
              .looseObject({ phone_number_id: text, display_phone_number: text.optional() })
              .optional(),
            contacts: z.array(contact).optional(),
            messages: z.array(z.looseObject({ id: text, from: text.optional() })).optional(),
            statuses: z.array(z.looseObject({ id: text, status: text })).optional(),
            errors: z.array(graphError).optional(),
          }),
        }),
      ),
    }),
  ),
});

export type Message = z.infer<typeof message>;
export type Status = z.infer<typeof status>;
export type Contact = z.infer<typeof contact>;
export type GraphErrorObject = z.infer<typeof graphError>;
export type Notification = z.infer<typeof notification>;
export type Media = z.infer<typeof media>;
export type SharedContact = z.infer<typeof sharedContact>;
