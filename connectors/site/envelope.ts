/** What every recorded website post carries beside its channel's own part (see routes.ts). */
import { z } from 'zod';

export const siteEnvelope = z.object({
  formId: z.number(),
  slug: z.string(),
  title: z.string(),
  submissionId: z.string(),
  receivedAt: z.string(),
  visit: z.object({
    pageUrl: z.string().optional(),
    referrer: z.string().optional(),
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    utm: z.record(z.string(), z.string()),
  }),
  review: z.string().optional(),
});
