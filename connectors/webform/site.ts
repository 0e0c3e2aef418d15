/** The web form as a website channel: hosted page, embeddable form, validation of a post. */
import { parsedDefinition } from '../site/definition-cache.ts';
import type { SiteChannel } from '../site/routes.ts';
import { acceptWebform } from './accept.ts';
import { formDefinition, type FormDefinition } from './definition.ts';
import { renderWebform } from './render.ts';

export const webformSite: SiteChannel<FormDefinition> = {
  kind: 'webform',
  mount: '/f',
  parse: (widget) => parsedDefinition(widget, formDefinition),
  settings: (definition) => ({
    allowedOrigins: definition.allowedOrigins,
    dailyCap: definition.dailyCap,
    ...(definition.redirectUrl ? { redirectUrl: definition.redirectUrl } : {}),
  }),
  renderForm: renderWebform,
  prefillable: (definition) =>
    definition.fields
      .filter((field) => !['consent', 'checkbox', 'file'].includes(field.type))
      .map((field) => field.key),
  accept: acceptWebform,
};
