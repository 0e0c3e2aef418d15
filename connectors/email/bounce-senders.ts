/**
 * How a bounce shows itself besides a delivery status report, as data: the addresses and names
 * mail systems send bounces under, and the subjects of bounces sent as plain text.
 */

export interface BounceSenderRule {
  /** The local part without case, `-`, `_` or `.`: `MAILER-DAEMON`, `mailer_daemon` → `mailerdaemon`. */
  localPart: string;
  source: string;
}

export const BOUNCE_LOCAL_PARTS: readonly BounceSenderRule[] = [
  { localPart: 'mailerdaemon', source: 'MAILER-DAEMON: Postfix, Sendmail, Exim, qmail, Gmail' },
  { localPart: 'postmaster', source: 'RFC 5321 §4.5.1; Exchange Online NDRs' },
  {
    localPart: 'maildaemon',
    source: 'mail-daemon@ (bounce trackers list it beside MAILER-DAEMON)',
  },
];

export interface BounceNameRule {
  /** The whole display name, compared without case. */
  name: string;
  source: string;
}

export const BOUNCE_DISPLAY_NAMES: readonly BounceNameRule[] = [
  { name: 'Mail Delivery System', source: 'Postfix, Exim' },
  { name: 'Mail Delivery Subsystem', source: 'Sendmail, Gmail (mailer-daemon@googlemail.com)' },
  { name: 'Mail Administrator', source: 'named in the issue (hosted mail systems)' },
  { name: 'Mailer Daemon', source: 'MAILER-DAEMON written as a name' },
  { name: 'MAILER-DAEMON', source: 'MAILER-DAEMON written as a name' },
  { name: 'Postmaster', source: 'RFC 5321 postmaster written as a name' },
];

export interface BounceSubjectRule {
  /** Matched at the start of the subject. */
  subject: RegExp;
  source: string;
  example: string;
}

/**
 * Bounce subjects. Only read on mail with a null Return-Path: there the message is machine-made
 * already, and the subject only tells a bounce (which names our failed message) from an
 * auto-reply (which RFC 3834 also sends with a null return path).
 */
export const BOUNCE_SUBJECTS: readonly BounceSubjectRule[] = [
  {
    subject: /^Undelivered Mail Returned to Sender/i,
    source: 'Postfix',
    example: 'Undelivered Mail Returned to Sender',
  },
  {
    subject: /^Returned mail:/i,
    source: 'Sendmail',
    example: 'Returned mail: see transcript for details',
  },
  {
    subject: /^Mail delivery failed/i,
    source: 'Exim',
    example: 'Mail delivery failed: returning message to sender',
  },
  {
    subject: /^failure notice/i,
    source: 'qmail',
    example: 'failure notice',
  },
  {
    subject: /^Delivery Status Notification \((?:Failure|Delay)\)/i,
    source: 'Gmail, Exchange',
    example: 'Delivery Status Notification (Failure)',
  },
  {
    subject: /^Undeliverable\s*:/i,
    source: 'Exchange (en)',
    example: 'Undeliverable: Re: Your quote [#L12]',
  },
  {
    subject: /^Unzustellbar\s*:/i,
    source: 'Exchange (de)',
    example: 'Unzustellbar: Re: Ihr Angebot [#L12]',
  },
  {
    subject: /^Non remis\s*:/i,
    source: 'Exchange (fr)',
    example: 'Non remis : Re: Votre devis [#L12]',
  },
  {
    subject: /^No se puede entregar\s*:/i,
    source: 'Exchange (es)',
    example: 'No se puede entregar: Re: Su presupuesto [#L12]',
  },
  {
    subject: /^Non recapitabile\s*:/i,
    source: 'Exchange (it)',
    example: 'Non recapitabile: Re: Il suo preventivo [#L12]',
  },
  {
    subject: /^Onbestelbaar\s*:/i,
    source: 'Exchange (nl)',
    example: 'Onbestelbaar: Re: Uw offerte [#L12]',
  },
  {
    subject: /^Delivery Failure\b/i,
    source: 'Lotus Domino (DELIVERY FAILURE: …)',
    example: 'DELIVERY FAILURE: User carla (carla@partner.example) not listed in Domino Directory',
  },
];
