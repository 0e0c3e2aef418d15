/** The REST intake channel (source API): integrations post leads to `POST /api/v1/leads`. */
import type { Channel } from '../../core/channel.ts';
import { normaliseIntake } from './normalise.ts';

export const apiChannel: Channel = {
  kind: 'api',
  source: 'API',
  label: 'REST intake',
  normalise: normaliseIntake,
};

export { API_CHANNEL_ID, intakeRoutes } from './intake.ts';
