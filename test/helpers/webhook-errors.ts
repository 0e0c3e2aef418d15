import { channelWebhookErrors } from '../../core/runtime/metrics.ts';

/** `leadwire_channel_webhook_errors_total` of this process for one channel, by reason. */
export async function webhookErrors(
  kind: 'telegram' | 'whatsapp',
  channel: string,
): Promise<Record<string, number>> {
  const { values } = await channelWebhookErrors.get();
  return Object.fromEntries(
    values
      .filter((v) => v.labels.kind === kind && v.labels.channel_id === channel)
      .map((v) => [String(v.labels.reason), v.value]),
  );
}
