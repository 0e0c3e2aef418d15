/** `npm start`: the whole system in one process (web + workers) against ./data and local Redis. */
import { boot, startWeb, startWorkers } from './boot.ts';

const booted = await boot('leadwire');
startWorkers(booted);
await startWeb(booted);
