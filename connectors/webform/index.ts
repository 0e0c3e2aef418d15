/** The web form channel (source WEBFORM): hosted page, embeddable form, posts into the inbox. */
import type { Channel } from '../../core/channel.ts';
import { normaliseWebform } from './normalise.ts';

export const webformChannel: Channel = {
  kind: 'webform',
  source: 'WEBFORM',
  label: 'Web form',
  normalise: normaliseWebform,
};

export { formDefinition } from './definition.ts';
export { webformSite } from './site.ts';
