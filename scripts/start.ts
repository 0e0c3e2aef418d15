/** `npm start`: the whole system in one process (web, workers, email, telegram) against ./data and local Redis. */
import { boot, startEmail, startTelegram, startWeb, startWorkers } from './boot.ts';

const booted = await boot('leadwire');
await startWorkers(booted);
await startEmail(booted);
await startTelegram(booted);
await startWeb(booted);
