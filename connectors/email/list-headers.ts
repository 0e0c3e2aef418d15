/**
 * Mailing-list and bulk traffic, as data: the headers that list managers and bulk-mail platforms
 * write and the addresses they send from. A person's own mail client writes none of them, so mail
 * carrying one is machine-made for us (a discussion list, a newsletter) and never becomes a lead.
 */

export interface ListHeaderRule {
  /** Matched without case. */
  header: string;
  /** Who writes it: where the rule comes from. */
  source: string;
  /** A value as that software writes it. */
  example: string;
}

/**
 * Any value of one of these marks list or bulk mail.
 *
 * `List-Unsubscribe` alone counts too. Marketing newsletters and bulk platforms (Mailchimp,
 * SendGrid and SES campaigns) often send it without any other list header, and no mail client a
 * customer writes with adds it. What it can wrongly catch is a website's form mailer that relays
 * through such a platform: that is what the channel's `humanSenders` list is for; naming the
 * sender, or the list's Sender or List-Post address, lifts every rule in this file.
 */
export const LIST_HEADERS: readonly ListHeaderRule[] = [
  {
    header: 'List-Id',
    source: 'RFC 2919 (every list manager, Google Groups, ESP newsletters)',
    example: 'Carpinteros <muebles-es.lists.carpinteria.example>',
  },
  {
    header: 'List-Post',
    source: 'RFC 2369',
    example: '<mailto:muebles-es@lists.carpinteria.example>',
  },
  {
    header: 'List-Help',
    source: 'RFC 2369',
    example: '<mailto:muebles-es-request@lists.carpinteria.example?subject=help>',
  },
  {
    header: 'List-Subscribe',
    source: 'RFC 2369',
    example: '<https://lists.carpinteria.example/mailman/listinfo/muebles-es>',
  },
  {
    header: 'List-Unsubscribe',
    source: 'RFC 2369; newsletters (see above)',
    example: '<https://maderas-norte.example/u/8f3a1c2d>',
  },
  {
    header: 'List-Unsubscribe-Post',
    source: 'RFC 8058 one-click unsubscribe (bulk senders)',
    example: 'List-Unsubscribe=One-Click',
  },
  {
    header: 'List-Owner',
    source: 'RFC 2369',
    example: '<mailto:muebles-es-owner@lists.carpinteria.example>',
  },
  {
    header: 'List-Archive',
    source: 'RFC 2369',
    example: '<https://lists.carpinteria.example/pipermail/muebles-es/>',
  },
  {
    header: 'X-Mailing-List',
    source: 'ezmlm, SmartList, vger.kernel.org',
    example: 'linux-kernel@vger.kernel.org',
  },
  {
    header: 'Mailing-List',
    source: 'ezmlm ("contact …; run by ezmlm"), Google Groups',
    example: 'contact muebles-help@lists.carpinteria.example; run by ezmlm',
  },
  { header: 'X-List', source: 'older list servers', example: 'muebles-es' },
  {
    header: 'X-Loop',
    source: 'SmartList, procmail, Debian lists; Zammad AutoResponseCheck',
    example: 'debian-user@lists.debian.org',
  },
  {
    header: 'X-Mailman-Version',
    source: 'GNU Mailman 2 and 3 (rspamd maillist module)',
    example: '2.1.39',
  },
  {
    header: 'X-BeenThere',
    source: 'GNU Mailman (Discourse Email::Receiver reads it)',
    example: 'muebles-es@lists.carpinteria.example',
  },
  {
    header: 'X-List-Administrivia',
    source: 'GNU Mailman reminders (rspamd maillist module)',
    example: 'yes',
  },
  {
    header: 'X-Listserver',
    source: 'CommuniGate Pro LIST (rspamd maillist module)',
    example: 'CommuniGate Pro LIST',
  },
  {
    header: 'X-Listprocessor-Version',
    source: 'ListProc',
    example: '8.2.10/20000411 -- ListProc(tm) by CREN',
  },
  { header: 'X-ML-Name', source: 'fml, the Japanese list manager', example: 'kagu-ml' },
  {
    header: 'X-Google-Group-Id',
    source: 'Google Groups (rspamd maillist module)',
    example: '804329781123',
  },
  { header: 'X-Google-Loop', source: 'Google Groups (rspamd maillist module)', example: 'groups' },
];

export interface ListSenderRule {
  /** Tested on the lower-cased local part without its sub-address (Mailman's VERP `+…`). */
  localPart: RegExp;
  source: string;
  example: string;
}

/** The local parts list managers send from; looked for in Sender, Errors-To and From. */
export const LIST_SENDERS: readonly ListSenderRule[] = [
  {
    localPart: /^owner-/,
    source: 'Majordomo, LISTSERV: Sender: owner-<list>@ (rspamd maillist, lore.kernel.org)',
    example: 'owner-linux-mm@kvack.org',
  },
  {
    localPart: /.-owner$/,
    source: 'Majordomo, Mailman: <list>-owner@',
    example: 'muebles-es-owner@lists.carpinteria.example',
  },
  {
    localPart: /.-bounces$/,
    source: 'GNU Mailman: <list>-bounces@ and its VERP form',
    example: 'muebles-es-bounces+sales=shop.example@lists.carpinteria.example',
  },
  {
    localPart: /.-request$/,
    source: 'Mailman, Majordomo: <list>-request@ (list administration)',
    example: 'muebles-es-request@lists.carpinteria.example',
  },
];

export const LIST_SENDER_HEADERS = ['Sender', 'Errors-To', 'From'] as const;
