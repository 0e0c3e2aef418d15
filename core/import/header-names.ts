/**
 * What column headers mean, in English, Spanish and Russian and as the common CRMs export
 * them (Bitrix24, amoCRM, HubSpot, Salesforce, Google Contacts, Outlook).
 */

/** A field of ours a header can name (custom fields are matched separately). */
export type HeaderMeaning =
  | 'name'
  | 'first_name'
  | 'middle_name'
  | 'last_name'
  | 'company'
  | 'kind'
  | 'email'
  | 'phone'
  | 'telegram'
  | 'responsible'
  | 'title'
  | 'comment';

/**
 * A header as compared: accents and case dropped, punctuation as spaces. `E-mail Address`,
 * `e-mail address` and `EMAIL ADDRESS` compare alike, as do `Teléfono`/`telefono` and
 * `Эл. почта`/`эл почта`; `ё` and `й` become `е` and `и`.
 */
export function normaliseHeader(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Names separated by `|`, as written in the exports (they are normalised when compared). */
function list(names: string): string[] {
  return names.split('|');
}

const EXACT: Record<HeaderMeaning, string[]> = {
  name: list(
    `name|full name|fullname|contact name|contact|client|client name|customer|customer name|display name|fio|ФИО|Ф.И.О.|Имя|Полное имя|Контакт|Клиент|Имя клиента|Имя контакта|Контактное лицо|Nombre|Nombre completo|Nombre y apellidos|Cliente|Nombre del cliente|Contacto|Nombre del contacto|Persona de contacto`,
  ),
  first_name: list(`First Name|firstname|first|Given Name|forename|Primer nombre`),
  middle_name: list(`Middle Name|Additional Name|Отчество|Segundo nombre`),
  last_name: list(
    `Last Name|lastname|surname|Family Name|Фамилия|Apellido|Apellidos|Primer apellido|Apellido 1`,
  ),
  company: list(
    `Company|Company Name|Organization|Organisation|Organization Name|Organization 1 - Name|Account|Account Name|Business|Business Name|Компания|Название компании|Организация|Название организации|Наименование|Наименование организации|Контрагент|Empresa|Nombre de la empresa|Nombre empresa|Razón social|Organización|Compañía`,
  ),
  kind: list(
    `kind|type|entity|client type|customer type|record type|Тип|Тип клиента|Вид|Вид клиента|Tipo|Tipo de cliente`,
  ),
  email: list(
    `email|e-mail|mail|E-mail Address|Email Address|Эл. почта|Электронная почта|Емейл|Имейл|Почта|Correo|Correo electrónico`,
  ),
  phone: list(`phone|tel|tfno|tlf|telf|Тел.|WhatsApp`),
  telegram: list(`telegram|telegram id|tg|Telegram user id|Телеграм|Телеграмм`),
  responsible: list(
    `responsible|owner|Contact owner|Lead owner|Account owner|Record owner|Assigned to|assignee|manager|Sales rep|agent|Ответственный|Ответственный менеджер|Менеджер|Ответственное лицо|Responsable|Asignado a|Agente|Comercial|Gestor|Propietario|Propietario del contacto`,
  ),
  title: list(
    `title|Lead title|Deal name|subject|topic|Название|Название лида|Название сделки|Тема|Заголовок|Título|Asunto`,
  ),
  comment: list(
    `comment|comments|note|notes|description|remarks|Комментарий|Комментарии|Примечание|Примечания|Заметка|Заметки|Описание|Notas|Nota|Comentario|Comentarios|Observaciones|Descripción`,
  ),
};

const EXACT_MEANING = new Map<string, HeaderMeaning>(
  Object.entries(EXACT).flatMap(([meaning, names]) =>
    names.map((name) => [normaliseHeader(name), meaning as HeaderMeaning] as const),
  ),
);

/**
 * Words that make a header describe something about an address or number rather than hold
 * one: Google's `E-mail 1 - Type`/`Phone 1 - Label`, Outlook's `E-mail Display Name`,
 * HubSpot's `Marketing emails opened` or `Email Domain`, Bitrix24's `Номер факса` (a fax
 * reaches no one).
 */
const NOT_A_VALUE = new Set(
  list(
    `type|label|display|tipo|тип|fax|факс|факса|pager|пейджер|пейджера|consent|opt|opted|subscribed|unsubscribed|согласие|verified|confirmed|valid|invalid|quarantined|domain|date|дата|fecha|count|last|marketing|opened|clicked|delivered|bounced|bounce|sent|sends|status|статус|estado`,
  ).map(normaliseHeader),
);

/** Words that mark a column of addresses or numbers whatever else the header says. */
const CONTAINED: [HeaderMeaning, string[]][] = [
  ['email', list(`email|emails|e mail|почта|почты|емейл|имейл|correo`)],
  ['telegram', list(`telegram|телеграм|телеграмм`)],
  [
    'phone',
    list(
      `phone|phones|telephone|mobile|cell|телефон|телефона|мобильный|сотовый|telefono|movil|celular|whatsapp`,
    ),
  ],
];

/**
 * The field a header names, or undefined. `Имя`, `Nombre` and `Name` are `name` here: the
 * caller makes them `first_name` when the file also has a last-name column.
 */
export function meaningOf(header: string): HeaderMeaning | undefined {
  const normalised = normaliseHeader(header);
  const exact = EXACT_MEANING.get(normalised);
  if (exact) return exact;
  const padded = ` ${normalised} `;
  const words = normalised.split(' ');
  if (words.some((word) => NOT_A_VALUE.has(word))) return undefined;
  for (const [meaning, markers] of CONTAINED) {
    if (markers.some((marker) => padded.includes(` ${normaliseHeader(marker)} `))) return meaning;
  }
  return undefined;
}

/** Headers that are a first name when a last name sits beside them, a full name otherwise. */
export function isFirstOrFullName(header: string): boolean {
  return ['name', 'имя', 'nombre'].includes(normaliseHeader(header));
}
