import { describe, expect, it } from 'vitest';
import {
  FORWARD_INTROS,
  FORWARD_LABELS,
  ORIGINAL_MESSAGE_LABELS,
  WROTE_HEADERS,
} from '../../../../connectors/email/reply-headers.ts';
import { extractReply, isForwardSubject } from '../../../../connectors/email/reply.ts';
import { fixture, parse } from './fixtures.ts';

const NEW = 'Gracias, el jueves nos va bien.';
const QUOTED = '> Hola,\n> sus 12 sillas están listas.';

describe('reply headers of the quoted history, per language and client', () => {
  it('cuts a German Gmail reply whose header Gmail wrapped inside the address', async () => {
    const parsed = await parse(fixture('reply-gmail-de.eml'));
    expect(parsed.reply).toBe('Vielen Dank, bitte liefern Sie am Donnerstag.\n\nGruß\nJonas');
    expect(parsed.text).toContain('> Ihre 12 Stühle sind fertig.');
  });

  it.each(WROTE_HEADERS.map((rule) => [rule.source, rule.example]))('%s: %s', (_, header) => {
    expect(extractReply(`${NEW}\n\n${header}\n${QUOTED}`)).toBe(NEW);
  });

  it.each([
    ['French Thunderbird', 'Le 24/11/2026 à 10:15, Leadwire Shop a écrit :'],
    ['Italian Thunderbird', 'Il 24/11/2026 10:15, Leadwire Shop ha scritto:'],
    [
      'Italian Apple Mail',
      'Il giorno 24 nov 2026, alle ore 10:15, Leadwire Shop <s@shop.example> ha scritto:',
    ],
    [
      'Portuguese Apple Mail',
      'Em 24 de nov. de 2026, à(s) 10:15, Leadwire Shop <s@shop.example> escreveu:',
    ],
    ['Dutch Gmail', 'Op di 24 nov 2026 om 10:15 schreef Leadwire Shop <s@shop.example>:'],
    ['Dutch Outlook', 'Op 24 nov. 2026 om 10:15 heeft Leadwire Shop <s@shop.example> geschreven:'],
    ['Polish Thunderbird', 'W dniu 24.11.2026 o 10:15, Leadwire Shop pisze:'],
    ['Polish Outlook', 'Dnia 24.11.2026 o 10:15 „Leadwire Shop” <s@shop.example> napisał:'],
    [
      'Ukrainian Apple Mail',
      '24 лист. 2026 р. о 10:15 Leadwire Shop <s@shop.example> написав(ла):',
    ],
    [
      'Turkish Apple Mail',
      '24 Kas 2026 tarihinde 10:15 saatinde, Leadwire Shop <s@shop.example> şunları yazdı:',
    ],
    ['Turkish Thunderbird', '24.11.2026 10:15 tarihinde Leadwire Shop yazdı:'],
    ['Chinese Apple Mail', '2026年11月24日 10:15，Leadwire Shop <s@shop.example> 写道：'],
    ['Chinese Thunderbird', '在 2026/11/24 10:15, Leadwire Shop 写道:'],
    [
      'Chinese Gmail (traditional)',
      'Leadwire Shop <s@shop.example> 於 2026年11月24日 週二 上午10:15寫道：',
    ],
    ['German Thunderbird', 'Am 24.11.26 um 10:15 schrieb Leadwire Shop:'],
    ['German Outlook 2019', 'Am 24.11.2026 um 10:15 schrieb "Leadwire Shop" <s@shop.example>:'],
    ['Gmail in Japanese (no verb)', '2026年11月24日(火) 10:15 Leadwire Shop <s@shop.example>:'],
  ])('%s: %s', (_, header) => {
    expect(extractReply(`${NEW}\n\n${header}\n${QUOTED}`)).toBe(NEW);
  });

  it('finds a header Gmail wrapped over two lines in Italian', () => {
    const text = `${NEW}\n\nIl lun 15 gen 2025 alle 17:03, Anna Andersson <anna.andersson@example.com>\nha scritto:\n\n${QUOTED}`;
    expect(extractReply(text)).toBe(NEW);
  });

  it('does not cut the reply line a header was written right below', () => {
    const text = `Спасибо, жду 2 дивана.\n24.11.2026 10:15, Leadwire Shop пишет:\n${QUOTED}`;
    expect(extractReply(text)).toBe('Спасибо, жду 2 дивана.');
  });

  it.each([
    'El cliente escribió:',
    'Mein Kollege schrieb mir gestern:',
    'Ma collègue a écrit :',
    'Il tecnico ha scritto:',
    'Mój szef pisze:',
    'Patronum şunu yazdı:',
    '我的同事写道：',
  ])('keeps "%s" (no date, no time) and what follows', (line) => {
    const text = `${line}\nque las sillas llegaron rotas.`;
    expect(extractReply(text)).toBe(text);
  });
});

describe('Outlook header blocks, per language', () => {
  it.each([
    [
      'English',
      'From: Leadwire Shop <s@shop.example>\nSent: Tuesday, November 24, 2026 10:15 AM\nTo: Ana\nSubject: Your order',
    ],
    [
      'German',
      'Von: Leadwire Shop <s@shop.example>\nGesendet: Dienstag, 24. November 2026 10:15\nAn: Jonas Becker\nBetreff: Ihr Angebot',
    ],
    [
      'French',
      'De : Leadwire Shop <s@shop.example>\nEnvoyé : mardi 24 novembre 2026 10:15\nÀ : Claire\nObjet : Votre devis',
    ],
    [
      'Italian',
      'Da: Leadwire Shop <s@shop.example>\nInviato: martedì 24 novembre 2026 10:15\nA: Marco\nOggetto: Il preventivo',
    ],
    [
      'Portuguese (Brazil)',
      'De: Leadwire Shop <s@shop.example>\nEnviada em: terça-feira, 24 de novembro de 2026 10:15\nPara: Marta\nAssunto: Orçamento',
    ],
    [
      'Dutch',
      'Van: Leadwire Shop <s@shop.example>\nVerzonden: dinsdag 24 november 2026 10:15\nAan: Sanne\nOnderwerp: Uw offerte',
    ],
    [
      'Polish',
      'Od: Leadwire Shop <s@shop.example>\nWysłano: wtorek, 24 listopada 2026 10:15\nDo: Anna Nowak\nTemat: Oferta',
    ],
    [
      'Russian',
      'От: Leadwire Shop <s@shop.example>\nОтправлено: 24 ноября 2026 г. 10:15\nКому: Иван\nТема: Заказ',
    ],
    [
      'Ukrainian',
      'Від: Leadwire Shop <s@shop.example>\nНадіслано: 24 листопада 2026 р. 10:15\nКому: Олена\nТема: Замовлення',
    ],
    [
      'Turkish',
      'Kimden: Leadwire Shop <s@shop.example>\nGönderildi: 24 Kasım 2026 Salı 10:15\nKime: Ayşe\nKonu: Teklif',
    ],
    [
      'Japanese',
      '差出人: Leadwire Shop <s@shop.example>\n送信日時: 2026年11月24日 10:15\n宛先: 山田太郎\n件名: お見積もり',
    ],
    [
      'Chinese',
      '发件人: Leadwire Shop <s@shop.example>\n发送时间: 2026年11月24日 10:15\n收件人: 王伟\n主题: 报价',
    ],
    [
      'Chinese (traditional)',
      '寄件者: Leadwire Shop <s@shop.example>\n寄件日期: 2026年11月24日 10:15\n收件者: 陳美玲\n主旨: 報價',
    ],
  ])('%s', (_, block) => {
    expect(extractReply(`${NEW}\n\n${block}\n\nHola, sus sillas están listas.`)).toBe(NEW);
    expect(extractReply(`${NEW}\n\n________________________________\n${block}\n\nHola.`)).toBe(NEW);
  });
});

describe('separators', () => {
  it.each(ORIGINAL_MESSAGE_LABELS)('-----%s-----', (label) => {
    const text = `${NEW}\n\n-----${label}-----\nFrom: Leadwire Shop\nHola`;
    expect(extractReply(text)).toBe(NEW);
  });

  it('reads the Foxmail form with spaces and long rules', () => {
    const text = `${NEW}\n\n------------------ 原始邮件 ------------------\n发件人: "Leadwire Shop"<s@shop.example>\n你好`;
    expect(extractReply(text)).toBe(NEW);
  });

  it.each(FORWARD_LABELS)('keeps what follows ---------- %s ----------', (label) => {
    const text = `Por favor, llamadla.\n\n---------- ${label} ---------\nFrom: Ana <ana@example.com>\n\nQuiero 20 sillas.`;
    expect(extractReply(text)).toBe(text);
  });

  it.each(FORWARD_INTROS)('keeps what follows "%s:"', (intro) => {
    const text = `Por favor, llamadla.\n\n${intro}:\n\nFrom: Ana <ana@example.com>\nQuiero 20 sillas.`;
    expect(extractReply(text)).toBe(text);
  });

  it.each([
    ['I: Sedie', true],
    ['PD: Krzesła', true],
    ['VS: Stole', true],
    ['VB: Stolar', true],
    ['İLT: Sandalyeler', true],
    ['转发: 椅子', true],
    ['転送：椅子', true],
    ['Idea: sedie', false],
    ['PDF of the quote', false],
  ])('isForwardSubject(%s) = %s', (subject, expected) => {
    expect(isForwardSubject(subject)).toBe(expected);
  });
});
