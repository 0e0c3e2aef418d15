/**
 * The lines that open the quoted history of a reply, as data, in the languages and clients
 * customers write with. Sources: Gmail, Outlook, Apple Mail and Thunderbird as quoted by
 * discourse/email_reply_trimmer (embedded_email_matcher, email_header_matcher), mailgun/talon
 * (quotations.py), alfonsrv/mail-parser-reply (constants.py), crisp-oss/email-reply-parser and
 * email-forward-parser (Outlook 2019 per locale, Thunderbird and Yahoo separators).
 */

export interface WroteHeaderRule {
  /** Tested on the header joined from up to three wrapped lines; always ends with a colon. */
  pattern: RegExp;
  /** Language and the clients that write it. */
  source: string;
  /** A header as one of those clients writes it. */
  example: string;
}

// Every header carries a date or a time; reply.ts only tries candidates with a digit and a final
// colon, which keeps "On the form I wrote:" a sentence.
export const WROTE_HEADERS: readonly WroteHeaderRule[] = [
  {
    pattern: /^On\s.{5,300}\s(?:wrote|writes|said)\s?:$/i,
    source: 'English: Gmail, Apple Mail, Thunderbird, Outlook',
    example: 'On Tue, 24 Nov 2026 at 10:15, Leadwire Shop <sales@shop.example> wrote:',
  },
  {
    pattern: /^El\s.{5,300}\sescribió\s?:$/i,
    source: 'Spanish: Gmail, Apple Mail, Outlook',
    example: 'El mar, 24 nov 2026 a las 10:15, Leadwire Shop (<sales@shop.example>) escribió:',
  },
  {
    pattern: /^.{5,300}\s(?:написал|написала|написал\(а\)|пишет)\s?:$/iu,
    source: 'Russian: Gmail, Thunderbird, Outlook',
    example: '24.11.2026 10:15, Leadwire Shop пишет:',
  },
  {
    pattern: /^Am\s.{5,300}\s(?:schrieb\s.{1,300}|schrieben Sie|.{1,300}\sgeschrieben)\s?:$/i,
    source: 'German: Gmail, Apple Mail, Thunderbird, Outlook',
    example: 'Am Di., 24. Nov. 2026 um 10:15 Uhr schrieb Leadwire Shop <sales@shop.example>:',
  },
  {
    pattern: /^.{1,300}\sschrieb am\s.{5,300}:$/i,
    source: 'German: older Gmail',
    example: 'Leadwire Shop <sales@shop.example> schrieb am Di., 24. Nov. 2026, 10:15:',
  },
  {
    pattern: /^Le\s.{5,300}\sa\s+écrit\s?:$/i,
    source: 'French: Gmail, Apple Mail, Thunderbird, Outlook',
    example: 'Le mar. 24 nov. 2026 à 10:15, Leadwire Shop <sales@shop.example> a écrit :',
  },
  {
    pattern: /^(?:Il|In data)\s.{5,300}\sha\s+scritto\s?:$/i,
    source: 'Italian: Gmail, Apple Mail, Thunderbird, Libero',
    example:
      'Il giorno mar 24 nov 2026 alle ore 10:15 Leadwire Shop <sales@shop.example> ha scritto:',
  },
  {
    pattern: /^(?:Em|No dia|A)\s.{5,300}\sescreveu\s?:$/i,
    source: 'Portuguese: Gmail, Apple Mail, Thunderbird',
    example: 'Em ter., 24 de nov. de 2026 às 10:15, Leadwire Shop <sales@shop.example> escreveu:',
  },
  {
    pattern: /^Op\s.{5,300}\s(?:schreef\s.{1,300}|heeft\s.{1,300}\sgeschreven)\s?:$/i,
    source: 'Dutch: Gmail, Thunderbird (schreef), Apple Mail, Outlook (heeft … geschreven)',
    example:
      'Op 24 nov. 2026 om 10:15 heeft Leadwire Shop <sales@shop.example> het volgende geschreven:',
  },
  {
    pattern: /^.{5,300}\s(?:napisał\(a\)|napisał|napisała|pisze)\s?:$/iu,
    source: 'Polish: Gmail (napisał(a)), Thunderbird (W dniu … pisze), Outlook (Dnia … napisał)',
    example: 'wt., 24 lis 2026 o 10:15 Leadwire Shop <sales@shop.example> napisał(a):',
  },
  {
    pattern: /^Wiadomość napisana przez\s.{5,300}:$/iu,
    source: 'Polish: Apple Mail',
    example:
      'Wiadomość napisana przez Leadwire Shop <sales@shop.example> w dniu 24.11.2026, o godz. 10:15:',
  },
  {
    pattern: /^.{5,300}\s(?:пише|написав\(ла\)|написав|написала)\s?:$/iu,
    source: 'Ukrainian: Gmail, Thunderbird (пише), Apple Mail (написав(ла))',
    example: 'вт, 24 лист. 2026 р. о 10:15 Leadwire Shop <sales@shop.example> пише:',
  },
  {
    pattern: /^.{5,300}\s(?:şunu\s|şunları\s)?yazdı\s?:$/iu,
    source: 'Turkish: Gmail, Outlook (tarihinde şunu yazdı), Apple Mail, Thunderbird',
    example: 'Leadwire Shop <sales@shop.example>, 24 Kas 2026 Sal, 10:15 tarihinde şunu yazdı:',
  },
  {
    pattern: /^.{5,300}(?:が|さんが|さんは)書きました\s?[:：]$/u,
    source: 'Japanese: Thunderbird, Outlook',
    example: '2026/11/24 10:15 に Leadwire Shop が書きました:',
  },
  {
    pattern: /^.{5,300}の(?:メール|メッセージ)\s?[:：]$/u,
    source: 'Japanese: Apple Mail',
    example: '2026/11/24 10:15、Leadwire Shop <sales@shop.example>のメール:',
  },
  {
    pattern: /^.{5,300}(?:写道|寫道)\s?[:：]$/u,
    source: 'Chinese: Gmail, Apple Mail, Thunderbird, Foxmail',
    example: 'Leadwire Shop <sales@shop.example> 于2026年11月24日周二 10:15写道：',
  },
  {
    pattern: /^.{5,300}\sskrev\s.{0,300}:$/i,
    source: 'Swedish, Danish, Norwegian: Gmail, Apple Mail, Thunderbird, Outlook',
    example: 'Den 24 nov. 2026 kl. 10:15 skrev Leadwire Shop <sales@shop.example>:',
  },
  {
    pattern: /^.{5,300}\skirjoitti\s?.{0,300}:$/i,
    source: 'Finnish: Gmail, Outlook',
    example: 'ti 24. marrask. 2026 klo 10.15 Leadwire Shop <sales@shop.example> kirjoitti:',
  },
];

/**
 * Headers that name the sender and date without a verb: Gmail in Russian
 * (`вт, 24 нояб. 2026 г. в 10:15, Иван <ivan@…>:`) and Japanese (`2026年11月24日(火) 10:15 Ana <…>:`).
 * Trusted only when quoted lines follow.
 */
export const ADDRESS_HEADER = /^.{5,300}<[^<>\s]+@[^<>\s]+>\s?[:：]$/;

/** "-----Original Message-----" lines (Outlook, Thunderbird, Foxmail), per language. */
export const ORIGINAL_MESSAGE_LABELS: readonly string[] = [
  'Original Message', // English: Outlook, Thunderbird, Yahoo
  'Reply Message', // English: talon
  'Mensaje original', // Spanish
  'Исходное сообщение', // Russian
  'Ursprüngliche Nachricht', // German
  "Message d'origine", // French
  'Messaggio originale', // Italian
  'Mensagem original', // Portuguese
  'Oorspronkelijk bericht', // Dutch
  'Origineel bericht', // Dutch (Thunderbird)
  'Wiadomość oryginalna', // Polish
  'Oryginalna wiadomość', // Polish
  'Оригінальне повідомлення', // Ukrainian
  'Вихідне повідомлення', // Ukrainian
  'Özgün İleti', // Turkish
  'Orijinal Mesaj', // Turkish
  '元のメッセージ', // Japanese
  '原始邮件', // Chinese (Foxmail, QQ Mail)
  '原始郵件', // Chinese (traditional)
  'Ursprungligt meddelande', // Swedish
  'Oprindelig meddelelse', // Danish
  'Opprinnelig melding', // Norwegian
  'Alkuperäinen viesti', // Finnish
];

/**
 * Outlook quotes nothing: its history is a header block, From then Sent and To/Subject, each
 * label in the user's language (the labels email-forward-parser and email_reply_trimmer list).
 */
export const OUTLOOK_FROM_LABELS: readonly string[] = [
  ...['From', 'De', 'Von', 'Da', 'Van', 'Od', 'От', 'Від', 'Kimden', 'Gönderen'],
  ...['差出人', '发件人', '寄件者', 'Från', 'Fra', 'Lähettäjä'],
];
export const OUTLOOK_SENT_LABELS: readonly string[] = [
  ...['Sent', 'Date', 'Enviado', 'Enviada em', 'Fecha', 'Gesendet', 'Datum', 'Envoyé', 'Inviato'],
  ...['Data', 'Verzonden', 'Wysłano', 'Отправлено', 'Дата', 'Надіслано', 'Gönderildi', 'Tarih'],
  ...['送信日時', '日付', '发送时间', '日期', '寄件日期', 'Skickat', 'Sendt', 'Lähetetty'],
];
export const OUTLOOK_TO_LABELS: readonly string[] = [
  ...['To', 'Subject', 'Para', 'Asunto', 'An', 'Betreff', 'À', 'Objet', 'A', 'Oggetto'],
  ...['Assunto', 'Aan', 'Onderwerp', 'Do', 'Temat', 'Кому', 'Тема', 'Kime', 'Konu'],
  ...['宛先', '件名', '收件人', '主题', '收件者', '主旨', 'Till', 'Ämne', 'Til', 'Emne'],
  ...['Vastaanottaja', 'Aihe'],
];

/** Where forwarded content starts (kept, not cut as history). */
export const FORWARD_LABELS: readonly string[] = [
  'Forwarded message', // Gmail (every locale), Yahoo, Thunderbird
  'Mensaje reenviado', // Spanish
  'Пересылаемое сообщение', // Russian (Yahoo)
  'Переадресованное сообщение', // Russian
  'Перенаправленное сообщение', // Russian (Thunderbird)
  'Message transféré', // French
  'Weitergeleitete Nachricht', // German
  'Messaggio inoltrato', // Italian
  'Mensagem encaminhada', // Portuguese (Brazil)
  'Mensagem reencaminhada', // Portuguese
  'Doorgestuurd bericht', // Dutch
  'Przekazana wiadomość', // Polish
  'Переслане повідомлення', // Ukrainian
  'İletilen İleti', // Turkish
  '转发的邮件', // Chinese
];
export const FORWARD_INTROS: readonly string[] = [
  'Begin forwarded message', // Apple Mail
  'Inicio del mensaje reenviado', // Spanish
  'Comienzo del mensaje reenviado', // Spanish
  'Начало переадресованного сообщения', // Russian
  'Anfang der weitergeleiteten Nachricht', // German
  'Début du message réexpédié', // French
  'Début du message transféré', // French (iOS)
  'Inizio messaggio inoltrato', // Italian
  'Início da mensagem encaminhada', // Portuguese (Brazil)
  'Início da mensagem reencaminhada', // Portuguese
  'Begin doorgestuurd bericht', // Dutch
  'Początek przekazywanej wiadomości', // Polish
  'Початок листа, що пересилається', // Ukrainian
  'İleti başlangıcı', // Turkish
];
