/**
 * Every channel Leadwire has, listed once (no discovery, no container). The process entry points
 * hand this list to the workers, the HTTP app and the connector processes; adding a channel is
 * one folder and one line here.
 */
import type { Router } from 'express';
import type { Channel } from '../core/channel.ts';
import { apiChannel } from './api/index.ts';
import { callbackChannel } from './callback/index.ts';
import { emailChannel } from './email/index.ts';
import { telegramChannel } from './telegram/index.ts';
import { webformChannel } from './webform/index.ts';
import { whatsappChannel } from './whatsapp/index.ts';

export const CHANNELS: readonly Channel<Router>[] = [
  apiChannel,
  webformChannel,
  callbackChannel,
  emailChannel,
  telegramChannel,
  whatsappChannel,
];
