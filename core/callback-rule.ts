/**
 * What a callback request does to the lead it lands on: one open call per phone. A second
 * request while the first call is still open only adds its message, and brings the call forward
 * when it was promised sooner (never pushes it back). Every request is announced as a
 * `callback.requested` event, so telephony sees repeated asks too.
 */
import type { CallbackRequest } from './inbound.ts';

/** The call activity already open for the request's phone, if any. */
export interface OpenCall {
  id: number;
  dueAt: Date;
}

export type CallbackPlan = {
  activity:
    | {
        kind: 'create';
        subject: string;
        dueAt: Date;
        responsibleId: number | null;
        identityKey: string;
      }
    | { kind: 'bring-forward'; id: number; dueAt: Date };
  /**
   * The `callback.requested` event. Its payload lacks `leadId` and `activityId` (a new lead or
   * call has no id until it is stored): the store puts both in front of it.
   */
  event: { type: 'callback.requested'; payload: Record<string, unknown> };
};

export function planCallback(
  request: CallbackRequest,
  openCall: OpenCall | null,
  responsibleId: number | null,
): CallbackPlan {
  const activity: CallbackPlan['activity'] = openCall
    ? {
        kind: 'bring-forward',
        id: openCall.id,
        dueAt: new Date(Math.min(openCall.dueAt.getTime(), request.dueAt.getTime())),
      }
    : {
        kind: 'create',
        subject: `Call back ${request.display}`,
        dueAt: request.dueAt,
        responsibleId,
        identityKey: request.identityKey,
      };
  return {
    activity,
    event: {
      type: 'callback.requested',
      payload: {
        repeated: openCall !== null,
        phone: request.identityKey.slice('phone:'.length),
        dueAt: request.dueAt.toISOString(),
        promise: request.promise,
        widget: request.widget,
        ...(request.name ? { name: request.name } : {}),
        ...(request.comment ? { comment: request.comment } : {}),
      },
    },
  };
}
