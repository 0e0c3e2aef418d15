/** REST intake body → InboundMessage (pure). The same function validates at the door and in the worker. */
import type { NormaliseContext } from '../../core/channel.ts';
import { MalformedInputError } from '../../core/errors.ts';
import {
  normaliseEmail,
  normalisePhone,
  telegramIdentity,
  uniqueIdentities,
  type Identity,
  type Normalised,
} from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { intakeBody, intakeRaw, scopedExternalId } from './schema.ts';

export function normaliseIntake(raw: unknown, context: NormaliseContext): InboundMessage {
  const envelope = intakeRaw.safeParse(raw);
  if (!envelope.success)
    throw new MalformedInputError('the stored intake event is not an API envelope');
  const parsed = intakeBody.safeParse(envelope.data.body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(body)',
      message: issue.message,
    }));
    throw new MalformedInputError('the request body is not valid', details);
  }
  const body = parsed.data;
  const country = body.country?.toUpperCase() ?? context.defaultCountry;
  const { imported } = envelope.data;
  const read: [string, Normalised | undefined][] = [
    ['email', body.email ? normaliseEmail(body.email) : undefined],
    ['phone', body.phone ? normalisePhone(body.phone, country) : undefined],
    ['telegram', body.telegram !== undefined ? telegramIdentity(body.telegram) : undefined],
    ...(imported?.identities ?? []).map(({ kind, raw }): [string, Normalised] => [
      kind,
      kind === 'email'
        ? normaliseEmail(raw)
        : kind === 'phone'
          ? normalisePhone(raw, country)
          : telegramIdentity(raw),
    ]),
  ];
  const identities: Identity[] = [];
  const unrecognised: InboundMessage['unrecognised'] = [];
  for (const [kind, result] of read) {
    if (!result) continue;
    if (result.ok) identities.push(result.identity);
    else unrecognised.push({ kind, raw: result.raw, reason: result.reason });
  }
  if (identities.length === 0) {
    const details = unrecognised.length
      ? unrecognised.map(({ kind, reason }) => ({ path: kind, message: reason }))
      : [
          {
            path: 'email',
            message: 'give at least one of email, phone or telegram to answer the customer on',
          },
        ];
    throw new MalformedInputError(
      'no reachable identity: the lead could never be answered',
      details,
      'unreachable',
    );
  }
  const fields = Object.fromEntries(
    Object.entries(body.fields ?? {}).map(([key, value]) => [key, String(value)]),
  );
  return {
    externalId: context.externalId,
    source: body.source ?? 'API',
    sentAt: new Date(body.sentAt ?? envelope.data.receivedAt),
    identities: uniqueIdentities(identities),
    unrecognised,
    threadRefs: body.replyTo ? [scopedExternalId(envelope.data.apiKeyId, body.replyTo)] : [],
    sender: {
      ...(body.name ? { name: body.name } : {}),
      ...(body.company ? { company: body.company } : {}),
    },
    ...(body.title ? { title: body.title } : {}),
    text: body.message ?? '',
    fields,
    utm: body.utm ?? {},
    ...(imported
      ? {
          meta: { import: { run: imported.run, line: imported.line, file: imported.file } },
          whenOpen: imported.whenOpen,
          custom: imported.custom,
          ...(imported.responsibleId !== null ? { assignTo: imported.responsibleId } : {}),
        }
      : {}),
  };
}
