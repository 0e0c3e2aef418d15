/** Procfile `worker`: ingest worker and reconciler. Start as many as you like. */
import { boot, startWorkers } from './boot.ts';

await startWorkers(await boot('worker'));
