/**
 * Machine senders as data: addresses that say "nobody reads replies here" (system notifications,
 * website form mailers), and the channel's own list of senders whose mail is people's words all
 * the same (`humanSenders`).
 */
import { normaliseEmail } from '../../core/identities.ts';
import type { FromRole } from './parsed.ts';

export interface MachineWordRule {
  /** The words without case, `-`, `_` or `.`: `no-reply`, `No_Reply`, `noreply` → `noreply`. */
  word: string;
  source: string;
  /** An address the rule catches. */
  example: string;
}

/**
 * "Do not reply" in the languages senders write it. Found at the start or the end of the local
 * part (`noreply-dmarc-support@`, `updates-noreply@`), after the sub-address is dropped.
 */
export const NO_REPLY_WORDS: readonly MachineWordRule[] = [
  {
    word: 'noreply',
    source: 'English: noreply@, no-reply@, no_reply@ (Discourse no[-_]?reply)',
    example: 'updates-noreply@linkedin.example',
  },
  {
    word: 'donotreply',
    source: 'English: donotreply@, do-not-reply@, DoNotReply@ (Microsoft)',
    example: 'DoNotReply@accounts.example',
  },
  { word: 'dontreply', source: 'English: dont-reply@', example: 'dont_reply@bank.example' },
  {
    word: 'nepasrepondre',
    source: 'French: ne-pas-repondre@',
    example: 'ne-pas-repondre@impots.example',
  },
  {
    word: 'nichtantworten',
    source: 'German: nicht-antworten@',
    example: 'nicht-antworten@bahn.example',
  },
  { word: 'noresponder', source: 'Spanish: no-responder@', example: 'no-responder@banco.example' },
  {
    word: 'naoresponda',
    source: 'Portuguese: nao-responda@',
    example: 'nao-responda@correios.example',
  },
  {
    word: 'naoresponder',
    source: 'Portuguese: nao-responder@',
    example: 'naoresponder@loja.example',
  },
  {
    word: 'nonrispondere',
    source: 'Italian: non-rispondere@',
    example: 'non-rispondere@poste.example',
  },
  {
    word: 'nietantwoorden',
    source: 'Dutch: niet-antwoorden@',
    example: 'niet-antwoorden@gemeente.example',
  },
  {
    word: 'nieodpowiadaj',
    source: 'Polish: nie-odpowiadaj@',
    example: 'nie-odpowiadaj@sklep.example',
  },
];

/**
 * Whole local parts that are system accounts, never a person: the notification senders of web
 * services and the accounts a web server's mail() sends from. A form mailer among them that puts
 * the customer in Reply-To is still a lead (Reply-To is a person); one that does not is listed in
 * the channel's `humanSenders`.
 */
export const MACHINE_LOCAL_PARTS: readonly MachineWordRule[] = [
  {
    word: 'notification',
    source: 'web services: notification@',
    example: 'notification@crm.example',
  },
  {
    word: 'notifications',
    source: 'web services: notifications@ (GitHub, Atlassian, …)',
    example: 'notifications@github.example',
  },
  {
    word: 'wordpress',
    source: 'WordPress wp_mail() default sender',
    example: 'wordpress@shop.example',
  },
  {
    word: 'wwwdata',
    source: 'PHP mail() on Debian/Ubuntu: www-data@',
    example: 'www-data@web-1.shop.example',
  },
  {
    word: 'apache',
    source: 'PHP mail() on Red Hat: apache@',
    example: 'apache@web-1.shop.example',
  },
  {
    word: 'nobody',
    source: 'PHP mail() / CGI scripts: nobody@',
    example: 'nobody@web-1.shop.example',
  },
];

const compact = (value: string) => value.toLowerCase().replace(/[-_.]/g, '');

/** The local part without its sub-address (`+…`), lower-cased. */
export function localPartOf(address: string): string {
  const local = address.slice(0, Math.max(0, address.lastIndexOf('@'))).toLowerCase();
  const plus = local.indexOf('+');
  return plus > 0 ? local.slice(0, plus) : local;
}

/** The rule that makes `address` a machine sender, or undefined. */
export function machineSenderRule(address: string): MachineWordRule | undefined {
  const local = compact(localPartOf(address));
  if (!local) return undefined;
  return (
    NO_REPLY_WORDS.find((rule) => local.startsWith(rule.word) || local.endsWith(rule.word)) ??
    MACHINE_LOCAL_PARTS.find((rule) => local === rule.word)
  );
}

/**
 * Whether `address` is named by one of the channel's `humanSenders` entries: a whole address
 * (compared the way identities are) or `@domain` (that domain, not its subdomains).
 */
export function isListedSender(address: string, humanSenders: readonly string[]): boolean {
  if (!humanSenders.length) return false;
  const read = normaliseEmail(address);
  if (!read.ok) return false;
  const key = read.identity.key;
  const domain = domainOf(key);
  return humanSenders.some((entry) => {
    if (entry.startsWith('@')) {
      const wanted = normaliseEmail(`x${entry}`);
      return wanted.ok && domainOf(wanted.identity.key) === domain;
    }
    const wanted = normaliseEmail(entry);
    return wanted.ok && wanted.identity.key === key;
  });
}

const domainOf = (key: string) => key.slice(key.lastIndexOf('@') + 1);

export interface SenderLists {
  humanSenders: readonly string[];
  /** Canonical identity keys of the channel's own addresses (`email:sales@shop.example`). */
  ownIdentityKeys: readonly string[];
}

/** Whether `address` is not a person, and why; undefined for a person. */
export function fromRoleOf(address: string, lists: SenderLists): FromRole | undefined {
  const read = normaliseEmail(address);
  if (read.ok && lists.ownIdentityKeys.includes(read.identity.key)) return 'own-address';
  if (isListedSender(address, lists.humanSenders)) return 'form-mailer';
  return machineSenderRule(address) ? 'no-reply' : undefined;
}
