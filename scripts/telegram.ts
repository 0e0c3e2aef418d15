/** Procfile `telegram`: long polling for every bot channel in polling mode. Run one. */
import { boot, startTelegram } from './boot.ts';

await startTelegram(await boot('telegram', { redisRequired: false }));
