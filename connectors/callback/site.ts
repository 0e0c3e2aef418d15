/** The callback widget as a website channel: the number and time a customer leaves, validated. */
import { parsedDefinition } from '../site/definition-cache.ts';
import type { SiteChannel } from '../site/routes.ts';
import { acceptCallback } from './accept.ts';
import { callbackDefinition, type CallbackDefinition } from './definition.ts';
import { renderCallback } from './render.ts';

export const callbackSite: SiteChannel<CallbackDefinition> = {
  kind: 'callback',
  mount: '/cb',
  parse: (widget) => parsedDefinition(widget, callbackDefinition),
  settings: (definition) => ({
    allowedOrigins: definition.allowedOrigins,
    dailyCap: definition.dailyCap,
  }),
  renderForm: renderCallback,
  prefillable: () => ['phone', 'name', 'comment'],
  accept: acceptCallback,
};
