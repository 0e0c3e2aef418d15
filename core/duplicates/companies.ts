/** Company titles and email domains: what says two records belong to the same organisation. */
import { transliterate } from './transliterate.ts';

// Legal forms, as words after transliteration (dotted abbreviations are joined first, so
// `S.L.U.` is `slu` and `Sp. z o.o.` is `sp zoo`). Longer phrases come first.
const LEGAL_FORMS: string[][] = [
  'obshchestvo s ogranichennoi otvetstvennostiu',
  'publichnoe aktsionernoe obshchestvo',
  'zakrytoe aktsionernoe obshchestvo',
  'otkrytoe aktsionernoe obshchestvo',
  'aktsionernoe obshchestvo',
  'individualnyi predprinimatel',
  'limited liability company',
  'limited liability partnership',
  'public limited company',
  'sociedad limitada',
  'sociedad anonima',
  'sa de cv',
  'sp zoo',
  'ltd sti',
  'pty ltd',
  'pvt ltd',
  'pte ltd',
  'sdn bhd',
  'tbk',
  'gmbh co kg',
  ...[
    // English-speaking countries
    'llc ltd limited inc incorporated corp corporation co company plc llp lp pty pvt pte',
    // German-, Dutch-, Nordic-speaking
    'gmbh ag kg ug ohg ev mbh bv nv vof oy oyj ab as asa aps',
    // Romance languages, Latin America, Turkey, Central Europe, Asia
    'sa sl slu sas sasu sarl eurl srl spa snc sca lda ltda eireli cv sro zrt kft kk bhd',
    // Russian, Ukrainian, Belarusian (ООО, ОАО, ЗАО, ПАО, АО, ИП, НКО, ТОВ, ПАТ, ПрАТ, ФОП, ЧП)
    'ooo oao zao pao ao ip nko tov pat prat fop chp pt',
  ]
    .join(' ')
    .split(' '),
].map((form) => form.split(' '));

// Forms that are also written before the name (ООО «Ромашка», AB Volvo, PT Astra); the others
// only count at the end, so `Co-op Group` and `Limited Brands` keep their first word.
const LEADING_FORMS = new Set([
  'obshchestvo s ogranichennoi otvetstvennostiu',
  'publichnoe aktsionernoe obshchestvo',
  'zakrytoe aktsionernoe obshchestvo',
  'otkrytoe aktsionernoe obshchestvo',
  'aktsionernoe obshchestvo',
  'individualnyi predprinimatel',
  ...'ooo oao zao pao ao ip nko tov pat prat fop chp ab as oy pt'.split(' '),
]);

// Joining words that vary between spellings of one title (Johnson & Johnson, Johnson and Johnson).
const FILLER = new Set(['the', 'and', 'und', 'et']);

/** Runs of one-letter words are a dotted abbreviation: `s l u` → `slu`, `z o o` → `zoo`. */
function joinInitials(words: string[]): string[] {
  const joined: string[] = [];
  let run = '';
  for (const word of words) {
    if (word.length === 1) {
      run += word;
      continue;
    }
    if (run) joined.push(run);
    run = '';
    joined.push(word);
  }
  if (run) joined.push(run);
  return joined;
}

function startsWith(words: string[], form: string[], at: number): boolean {
  return form.every((word, index) => words[at + index] === word);
}

/** Removes legal forms at the end (and the leading ones at the start), repeatedly. */
function stripLegalForms(words: string[]): string[] {
  let rest = words;
  let changed = true;
  while (changed && rest.length > 0) {
    changed = false;
    for (const form of LEGAL_FORMS) {
      if (form.length >= rest.length) continue;
      if (LEADING_FORMS.has(form.join(' ')) && startsWith(rest, form, 0))
        rest = rest.slice(form.length);
      else if (startsWith(rest, form, rest.length - form.length))
        rest = rest.slice(0, -form.length);
      else continue;
      changed = true;
      break;
    }
  }
  return rest;
}

/**
 * The comparable part of a company title: transliterated, without case, punctuation, quotes,
 * diacritics, joining words and legal forms, so `ООО «Ромашка»` and `Romashka LLC` are both
 * `romashka`. A title that is only a legal form (`LLC`) keeps it rather than vanish; null when
 * there is no title.
 */
export function companyKey(title: string | null | undefined): string | null {
  if (!title) return null;
  const words = joinInitials(transliterate(title.replaceAll('&', ' ')).split(' ').filter(Boolean));
  const kept = stripLegalForms(words.filter((word) => !FILLER.has(word)));
  return kept.length > 0 ? kept.join(' ') : null;
}

// Free-mail providers: a shared one says nothing about a company. Exact domains here, and
// below the providers that have a domain in many countries (yahoo.co.uk, hotmail.fr, gmx.de).
const FREE_MAIL = new Set(
  [
    'gmail.com googlemail.com ymail.com rocketmail.com msn.com passport.com windowslive.com',
    'icloud.com me.com mac.com aol.com aim.com proton.me protonmail.com protonmail.ch pm.me',
    'tutanota.com tuta.io hey.com fastmail.com fastmail.fm zoho.com zohomail.com mail.com',
    'email.com usa.com hushmail.com yopmail.com mailinator.com inbox.com',
    'mail.ru inbox.ru list.ru bk.ru internet.ru yandex.ru yandex.com yandex.ua yandex.by',
    'yandex.kz ya.ru narod.ru rambler.ru ukr.net i.ua meta.ua mail.ua',
    'web.de t-online.de freenet.de arcor.de posteo.de mailbox.org',
    'orange.fr wanadoo.fr free.fr sfr.fr laposte.net libero.it virgilio.it tiscali.it alice.it',
    'telefonica.net terra.es seznam.cz wp.pl o2.pl onet.pl interia.pl abv.bg',
    'qq.com 163.com 126.com sina.com sina.cn sohu.com yeah.net foxmail.com aliyun.com',
    'naver.com daum.net hanmail.net rediffmail.com',
    'uol.com.br bol.com.br terra.com.br ig.com.br',
    'comcast.net verizon.net att.net sbcglobal.net cox.net btinternet.com sky.com',
    'bigpond.com optusnet.com.au shaw.ca rogers.com sympatico.ca',
  ]
    .join(' ')
    .split(' '),
);
const FREE_MAIL_BRANDS = new Set(['yahoo', 'hotmail', 'outlook', 'live', 'gmx']);
const COUNTRY_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ne', 'or']);

/**
 * The domain of an `email:` identity key (`email:ana@acme.es` → `acme.es`), or null for another
 * kind of key and for free-mail providers, because a shared gmail.com says nothing.
 */
export function emailDomain(identityKey: string): string | null {
  if (!identityKey.startsWith('email:')) return null;
  const at = identityKey.lastIndexOf('@');
  if (at < 0) return null;
  const domain = identityKey.slice(at + 1).toLowerCase();
  if (!domain.includes('.') || FREE_MAIL.has(domain)) return null;
  const [brand = '', second = '', ...more] = domain.split('.');
  // yahoo.com, yahoo.co.uk, hotmail.com.ar — but not yahoo.acme.com or livenation.com.
  const countryDomain =
    more.length === 0 || (more.length === 1 && COUNTRY_SECOND_LEVEL.has(second));
  if (FREE_MAIL_BRANDS.has(brand) && countryDomain) return null;
  return domain;
}
