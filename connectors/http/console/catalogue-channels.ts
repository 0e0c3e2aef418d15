/**
 * The words of the channel screens (mailboxes, bots, WhatsApp, web forms, callback widgets), in
 * the same languages as catalogue.ts, which merges them in.
 */
export const channelsEn = {
  'nav.channels': 'Channels',
} as const;

export const channelsEs: Record<keyof typeof channelsEn, string> = {
  'nav.channels': 'Canales',
};
