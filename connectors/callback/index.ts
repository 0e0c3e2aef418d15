/** The callback channel (source CALLBACK): the customer leaves a number and is called back. */
import type { Channel } from '../../core/channel.ts';
import { normaliseCallback } from './normalise.ts';

export const callbackChannel: Channel = {
  kind: 'callback',
  source: 'CALLBACK',
  label: 'Callback widget',
  normalise: normaliseCallback,
};

export { callbackDefinition } from './definition.ts';
export { callbackSite } from './site.ts';
