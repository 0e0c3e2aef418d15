/** Procfile `telegram`: long polling for every bot channel in polling mode. Run one. */
import { boot, startConnectors } from './boot.ts';

await startConnectors(await boot('telegram', { redisRequired: false }), 'telegram');
