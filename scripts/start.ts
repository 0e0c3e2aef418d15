/** `npm start`: the whole system in one process (web, workers, email) against ./data and local Redis. */
import { boot, startEmail, startWeb, startWorkers } from './boot.ts';

const booted = await boot('leadwire');
startWorkers(booted);
startEmail(booted);
await startWeb(booted);
