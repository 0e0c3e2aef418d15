/** `npm start`: the whole system in one process (web, workers, connectors) against ./data and local Redis. */
import { CHANNELS } from '../connectors/registry.ts';
import { boot, startConnectors, startWeb, startWorkers } from './boot.ts';

const booted = await boot('leadwire');
// The web first: a port already taken ends the start before anything else has begun.
await startWeb(booted);
await startWorkers(booted);
// Every connector process the channels name (email, telegram), here in one.
for (const process of new Set(CHANNELS.flatMap((channel) => channel.connector?.process ?? []))) {
  await startConnectors(booted, process);
}
