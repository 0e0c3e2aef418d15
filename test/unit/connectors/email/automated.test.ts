import { describe, expect, it } from 'vitest';
import {
  AUTO_REPLY_HEADERS,
  AUTO_REPLY_SUBJECTS,
} from '../../../../connectors/email/auto-reply.ts';
import { autoReplySubject } from '../../../../connectors/email/automated.ts';
import {
  BOUNCE_DISPLAY_NAMES,
  BOUNCE_LOCAL_PARTS,
  BOUNCE_SUBJECTS,
} from '../../../../connectors/email/bounce-senders.ts';
import { LIST_HEADERS, LIST_SENDERS } from '../../../../connectors/email/list-headers.ts';
import {
  MACHINE_LOCAL_PARTS,
  NO_REPLY_WORDS,
  machineSenderRule,
} from '../../../../connectors/email/no-reply-senders.ts';
import { fixture, fixtureText, parse, withHeader, withHeaders } from './fixtures.ts';

const automated = async (...args: Parameters<typeof parse>) => (await parse(...args)).automated;

describe('mailing-list and bulk traffic', () => {
  it('reads a Mailman list post as list mail', async () => {
    expect(await automated(fixture('mailman-list.eml'))).toEqual({
      reason: 'mailing list (List-Id)',
    });
  });

  it('reads a Google Groups post as list mail', async () => {
    expect(await automated(fixture('google-group.eml'))).toEqual({
      reason: 'mailing list (List-Id)',
    });
  });

  // List-Unsubscribe alone counts: no mail client a customer writes with adds it.
  it('reads a newsletter that carries only List-Unsubscribe as bulk mail', async () => {
    expect(await automated(fixture('newsletter.eml'))).toEqual({
      reason: 'mailing list (List-Unsubscribe)',
    });
  });

  it.each(LIST_HEADERS.map((rule) => [rule.header, rule.example]))(
    '%s: %s marks list mail',
    async (header, value) => {
      expect(await automated(withHeaders('plain.eml', `${header}: ${value}`))).toEqual({
        reason: `mailing list (${header})`,
      });
    },
  );

  it.each(LIST_SENDERS.map((rule) => rule.example))(
    'Sender: %s marks list mail',
    async (address) => {
      expect(await automated(withHeaders('plain.eml', `Sender: ${address}`))).toEqual({
        reason: `mailing list (Sender: ${address})`,
      });
    },
  );

  it('finds a list manager in Errors-To and in From too', async () => {
    const errorsTo = withHeaders('plain.eml', 'Errors-To: muebles-es-bounces@lists.example');
    expect(await automated(errorsTo)).toEqual({
      reason: 'mailing list (Errors-To: muebles-es-bounces@lists.example)',
    });
    const from = withHeader(
      fixtureText('plain.eml'),
      'From',
      'From: muebles-es-request@lists.example',
    );
    expect(await automated(from)).toEqual({
      reason: 'mailing list (From: muebles-es-request@lists.example)',
    });
  });

  it.each(['ana.owner@example.com', 'request@example.com', 'bounces@example.com'])(
    'Sender: %s alone is a person, not a list',
    async (address) => {
      expect(await automated(withHeaders('plain.eml', `Sender: ${address}`))).toBeNull();
    },
  );

  it('takes the list as people\'s mail when the channel names the group (a shared "ventas@" Google Group)', async () => {
    const options = { humanSenders: ['ventas@shop.example'] };
    expect(await automated(fixture('google-group.eml'), options)).toBeNull();
  });

  it('lifts only the list for a listed group: a no-reply notification through it stays machine-made', async () => {
    const eml = withHeader(
      fixtureText('google-group.eml'),
      'From',
      'From: PayLink <no-reply@paylink.example>',
    ).replace(/^Reply-To: .*\n/m, '');
    expect(await automated(eml, { humanSenders: ['ventas@shop.example'] })).toEqual({
      reason: 'sent from a no-reply address (no-reply@paylink.example) with no Reply-To to answer',
    });
  });

  it('matches humanSenders on the List-Post address and on @domain entries', async () => {
    expect(
      await automated(fixture('mailman-list.eml'), {
        humanSenders: ['muebles-es@lists.carpinteria.example'],
      }),
    ).toBeNull();
    expect(
      await automated(fixture('newsletter.eml'), { humanSenders: ['@maderas-norte.example'] }),
    ).toBeNull();
    expect(
      await automated(fixture('newsletter.eml'), { humanSenders: ['@norte.example'] }),
    ).toEqual({ reason: 'mailing list (List-Unsubscribe)' });
  });

  it('never lifts what the message says about itself: an auto-reply stays one', async () => {
    const options = { humanSenders: ['@moebel-becker.example'] };
    expect(await automated(fixture('vacation-subject.eml'), options)).toEqual({
      reason: 'auto-reply subject "Abwesenheitsnotiz"',
    });
  });
});

describe('bounces', () => {
  it('reads an Exim bounce and names the returned Message-ID', async () => {
    expect(await automated(fixture('bounce-exim.eml'))).toEqual({
      reason: 'sent by Mailer-Daemon@mx.partner.example',
      bounceOf: 'lw.out-88@mail.example.com',
    });
  });

  const bounceFrom = (from: string) =>
    withHeader(fixtureText('bounce-exim.eml'), 'From', `From: ${from}`).replace(
      'Auto-Submitted: auto-replied\n',
      '',
    );

  it.each(BOUNCE_LOCAL_PARTS.map((rule) => [rule.localPart]))(
    'local part %s, however it is written, is a bounce sender',
    async (localPart) => {
      for (const written of [localPart, localPart.toUpperCase()]) {
        const address = `${written}@mx.partner.example`;
        expect(await automated(bounceFrom(address))).toEqual({
          reason: `sent by ${address}`,
          bounceOf: 'lw.out-88@mail.example.com',
        });
      }
    },
  );

  it.each(['post_master', 'mailer_daemon', 'mail-daemon', 'MAILER-DAEMON', 'Mailer.Daemon'])(
    '%s@ is a bounce sender',
    async (local) => {
      const address = `${local}@mx.partner.example`;
      expect((await automated(bounceFrom(address)))?.bounceOf).toBe('lw.out-88@mail.example.com');
    },
  );

  it.each(BOUNCE_DISPLAY_NAMES.map((rule) => rule.name))(
    'display name "%s" is a bounce sender',
    async (name) => {
      expect(await automated(bounceFrom(`"${name}" <errors@mx.partner.example>`))).toEqual({
        reason: `sent by "${name}"`,
        bounceOf: 'lw.out-88@mail.example.com',
      });
    },
  );

  const nullPathWith = (subject: string) =>
    withHeader(
      bounceFrom('Mail System <mailsys@mx.partner.example>'),
      'Subject',
      `Subject: ${subject}`,
    );

  it.each(BOUNCE_SUBJECTS.map((rule) => [rule.source, rule.example]))(
    '%s: a null Return-Path with the subject "%s" is a bounce',
    async (_, subject) => {
      expect(await automated(nullPathWith(subject))).toEqual({
        reason: 'bounce from a null Return-Path',
        bounceOf: 'lw.out-88@mail.example.com',
      });
    },
  );

  it('reads a null Return-Path alone as machine-made, not as a bounce', async () => {
    const eml = nullPathWith('Your message to Carla');
    expect(await automated(eml)).toEqual({ reason: 'null Return-Path (<>)' });
  });

  // RFC 3834 §3.3: auto-replies SHOULD use a null return path too.
  it('reads an auto-reply with a null Return-Path as an auto-reply, with no bounceOf', async () => {
    const eml = withHeaders('out-of-office.eml', 'Return-Path: <>').replace(
      'Return-Path: <ana.perez@example.com>\n',
      '',
    );
    expect(await automated(eml)).toEqual({ reason: 'Auto-Submitted: auto-replied' });
    const bySubject = eml.replace('Auto-Submitted: auto-replied\n', '');
    expect(await automated(bySubject)).toEqual({ reason: 'auto-reply subject "Automatic reply"' });
  });

  it('keeps a person whose subject reads like a bounce a lead', async () => {
    const eml = withHeader(
      fixtureText('plain.eml'),
      'Subject',
      'Subject: Undelivered Mail Returned to Sender - what does it mean?',
    );
    expect(await automated(eml)).toBeNull();
  });
});

describe('auto-replies', () => {
  it('reads an iCloud vacation reply marked only by X-Apple-Action', async () => {
    expect(await automated(fixture('vacation-icloud.eml'))).toEqual({
      reason: 'X-Apple-Action: VACATION',
    });
  });

  it('reads a German vacation notice marked only by its subject', async () => {
    expect(await automated(fixture('vacation-subject.eml'))).toEqual({
      reason: 'auto-reply subject "Abwesenheitsnotiz"',
    });
  });

  it.each(AUTO_REPLY_HEADERS.map((rule) => [rule.header, rule.example]))(
    '%s: %s marks an auto-reply',
    async (header, value) => {
      expect(await automated(withHeaders('plain.eml', `${header}: ${value}`))).toEqual({
        reason: `${header}: ${value}`,
      });
    },
  );

  it.each(['X-Autoreply: no', 'X-Autogenerated: false', 'X-Apple-Action: REPLY'])(
    '%s is not an auto-reply',
    async (line) => {
      expect(await automated(withHeaders('plain.eml', line))).toBeNull();
    },
  );

  const withSubject = (subject: string) =>
    withHeader(fixtureText('vacation-subject.eml'), 'Subject', `Subject: ${subject}`);

  it.each(AUTO_REPLY_SUBJECTS.map((rule) => [rule.phrase, rule.source]))(
    '"%s: …" is an auto-reply subject (%s)',
    async (phrase) => {
      const subject = `=?UTF-8?B?${Buffer.from(`${phrase}: Ihr Angebot [#L51]`).toString('base64')}?=`;
      expect(await automated(withSubject(subject))).toEqual({
        reason: `auto-reply subject "${phrase}"`,
      });
    },
  );

  it.each([
    ['Out of Office AutoReply: Your order', 'Out of Office AutoReply'],
    ['Out of office', 'Out of Office'],
    ['Out of Office - Jonas Becker', 'Out of Office'],
    ['Abwesenheitsnotiz (bis 30.11.)', 'Abwesenheitsnotiz'],
    ['[EXTERNAL] Automatic reply: Your order', 'Automatic reply'],
    ['[EXT] [SPAM?] Automatische Antwort: Ihr Angebot', 'Automatische Antwort'],
    ['Reponse automatique : Votre devis', 'Réponse automatique'],
    ['RESPUESTA AUTOMATICA: Su presupuesto', 'Respuesta automática'],
    ['Automatická odpoveď: Vaša objednávka', 'Automatická odpověď'],
    ['自動応答: お見積もり', '自動応答'],
    ['自动回复：报价', '自动回复'],
    ['AUTO: Jonas Becker is out of the office (returning 01.12.2026)', 'AUTO:'],
  ])('subject %j → %s', (subject, phrase) => {
    expect(autoReplySubject(subject)).toBe(phrase);
  });

  it.each([
    'Re: my absence next week',
    'Absence of a reply from your team',
    'Out of office furniture for 12 people',
    'Re: Automatic reply: Your order',
    'AW: Abwesenheitsnotiz: Ihr Angebot',
    'Fwd: Out of office',
    'Auto: Angebot für einen Kombi',
    'Automatic replying tools?',
    'Price for 20 oak chairs',
  ])('subject %j stays a person’s', async (subject) => {
    expect(autoReplySubject(subject)).toBeUndefined();
    expect(
      await automated(withHeader(fixtureText('plain.eml'), 'Subject', `Subject: ${subject}`)),
    ).toBeNull();
  });
});

describe('system notifications from no-reply senders', () => {
  it('reads a payment notification from no-reply@ with no Reply-To as machine-made', async () => {
    expect(await automated(fixture('notification-noreply.eml'))).toEqual({
      reason: 'sent from a no-reply address (no-reply@paylink.example) with no Reply-To to answer',
    });
  });

  it.each([...NO_REPLY_WORDS, ...MACHINE_LOCAL_PARTS].map((rule) => [rule.example, rule.source]))(
    '%s is a machine sender (%s)',
    async (address) => {
      expect(machineSenderRule(address)).toBeDefined();
      const eml = withHeader(fixtureText('notification-noreply.eml'), 'From', `From: ${address}`);
      expect((await automated(eml))?.reason).toMatch(/^sent from a no-reply address/);
    },
  );

  it.each([
    'noelia@example.es',
    'reply@shop.example',
    'norbert.replyer@example.de',
    'notificaciones.ana@example.es',
    'nobody.special@example.com',
    'apache.helicopters@example.com',
  ])('%s is a person', (address) => {
    expect(machineSenderRule(address)).toBeUndefined();
  });

  it('keeps a form mailer whose Reply-To is the customer a lead', async () => {
    expect(await automated(fixture('reply-to.eml'))).toBeNull();
  });

  it('does not take a no-reply Reply-To, or the same address again, for a person', async () => {
    const base = fixtureText('notification-noreply.eml');
    const noReplyBoth = withHeaders(
      'notification-noreply.eml',
      'Reply-To: noreply@paylink.example',
    );
    expect((await automated(noReplyBoth))?.reason).toMatch(/^sent from a no-reply address/);
    const same = `Reply-To: No Reply <NO-REPLY@paylink.example>\n${base}`;
    expect((await automated(same))?.reason).toMatch(/^sent from a no-reply address/);
  });

  it('lets the channel name a form mailer that puts the customer only in the text', async () => {
    const eml = fixture('form-mailer-body.eml');
    expect(await automated(eml)).toEqual({
      reason: 'sent from a no-reply address (noreply@shop.example) with no Reply-To to answer',
    });
    expect(await automated(eml, { humanSenders: ['noreply@shop.example'] })).toBeNull();
    expect(await automated(eml, { humanSenders: ['@shop.example'] })).toBeNull();
  });
});
