/** Procfile `worker`: ingest worker and reconciler. Start as many as you like. */
import { boot, startWorkers } from './boot.ts';

startWorkers(await boot('worker'));
