/** Procfile `web`: the HTTP app. Start as many as you like. */
import { boot, startWeb } from './boot.ts';

await startWeb(await boot('web', { redisRequired: false }));
