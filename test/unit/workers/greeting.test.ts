/** The greeting after a new lead: looked up only where the lead's channel can greet. */
import { expect, it } from 'vitest';
import type { ChannelInfo, IngestOutcome } from '../../../core/ports.ts';
import { createLogger } from '../../../core/runtime/logger.ts';
import type { Producer } from '../../../core/runtime/queues.ts';
import { CHANNELS } from '../../../connectors/registry.ts';
import { greetNewLeads } from '../../../workers/outbound/greeting.ts';

function greeter() {
  const lookedUp: number[] = [];
  const repos = {
    leads: {
      async lastInboundOn(leadId: number) {
        lookedUp.push(leadId);
        return undefined;
      },
      addOutbound: async () => undefined,
    },
    channels: { blockOf: async () => undefined },
  };
  const outbound = { add: async () => undefined } as unknown as Producer<'outbound'>;
  const greet = greetNewLeads(CHANNELS, repos as never, outbound, createLogger('silent'));
  return { greet, lookedUp };
}

const created = (leadId: number): IngestOutcome => ({
  status: 'done',
  outcome: 'created_simple',
  leadId,
});
const on = (kind: string) => ({ id: 1, kind }) as ChannelInfo;

it('looks for a greeting only when the new lead came in on a channel that greets', async () => {
  const { greet, lookedUp } = greeter();
  await greet(created(1), on('api'));
  await greet(created(2), on('webform'));
  await greet(created(3), on('email'));
  await greet(created(4), on('telegram'));
  await greet(created(5), on('whatsapp'));
  // A row whose channel was not read (found finished already) is looked up as before.
  await greet(created(6), undefined);
  expect(lookedUp).toEqual([4, 5, 6]);
});

it('never for a message appended to a lead already open', async () => {
  const { greet, lookedUp } = greeter();
  await greet({ status: 'done', outcome: 'appended', leadId: 7 }, on('telegram'));
  expect(lookedUp).toEqual([]);
});
