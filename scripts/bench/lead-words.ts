/**
 * The leads the search and console benches seed and look for: names, companies, titles and
 * messages in several European languages, drawn from word lists by a hash of the lead's number,
 * so queries can be made for leads that exist without reading them back.
 */
import type { Identity } from '../../core/identities.ts';
import type { SeedLead } from '../../db/seed.ts';
import { clientEmail, clientPhone } from './senders.ts';

/** A word list written as text: words apart by spaces or line ends. */
const words = (text: string) => text.split(/\s+/);

const FIRST = words(`María José Lucía Carmen Ana Sofía Elena Laura Marta Paula Inés Álvaro Javier
  Jesús Antonio Manuel Francisco David Daniel Carlos Miguel Rafael Pablo Sergio Jorge Andrés Raúl
  Óscar Núria Jordi Pau Montserrat Iñaki Aitor Leire Joana João Gonçalo Beatriz Rodrigo Thomas
  Julien Camille Léa Chloé Zoé Hélène François Jérôme Anaïs Jürgen Günther Jörg Sören Björn Ärla
  Lukas Anna Emma Mia Sophie Giulia Francesca Lorenzo Matteo Niccolò Łukasz Zofia Agnieszka Tomáš
  Dvořák Oliver Amelia Harry Isla Noah Olivia Liam Ava Ethan Chiara Emil`);
const LAST = words(`García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín
  Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez
  Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio
  Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano Prieto Méndez
  Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores Cabrera Campos Vega Fuentes Carrasco
  Diez Caballero Reyes Nieto Aguilar Pascual Santana Herrero Lorenzo Hidalgo Montero Ibáñez Giménez
  Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias Carmona Crespo Román Pastor Soto Sáez
  Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas Müller Schmidt Schäfer Weiß Köhler Dubois
  Lefèvre Moreau Rossi Bianchi Smith Jones Williams Brown Taylor Kowalski Nowak Novák Svensson
  Øster`);
const COMPANY_STEMS = words(`Talleres Transportes Construcciones Reformas Distribuciones Hostelería
  Panadería Ferretería Clínica Academia Inmobiliaria Bodegas Cervecería Muebles Jardinería Limpiezas
  Nordwind Alpenblick Rheinland Bergmann Sonnenschein Lumière Atelier Boulangerie Horizon Azur
  Bellavista Fiorentina Adriatica Solaris Vertex Quantum Nimbus Pioneer Summit Harbor Evergreen
  Bluewave Ironbridge Redwood Silverline Northstar Brightpath Keystone Oakridge`);
const COMPANY_PLACES = words(`Madrid Barcelona Valencia Sevilla Zaragoza Málaga Murcia Bilbao
  Alicante Córdoba Valladolid Vigo Gijón Granada Coruña Vitoria Elche Oviedo Badajoz Cartagena Jerez
  Pamplona Almería Lisboa Porto Toulouse Lyon Marseille Bordeaux München Köln Hamburg Düsseldorf
  Zürich Milano Torino Bologna Firenze Napoli London Dublin Kraków Gdańsk Praha Göteborg Malmö`);
const COMPANY_KINDS = words('S.L. S.A. GmbH SARL Srl Ltd AG Group Hermanos & Hijos Cooperativa');
const PRODUCTS = words(`andamio grúa carretilla compresor generador hormigonera excavadora furgoneta
  caldera aerotermia climatización fotovoltaica placas tejado ventanas persianas cocina baño parquet
  pintura fontanería electricidad ascensor piscina jardín riego toldo pérgola alarma cámaras
  software licencias portátiles impresoras servidores router fibra catering banquete boda congreso
  hotel vuelos seguro hipoteca préstamo leasing renting Gabelstapler Wärmepumpe Solaranlage
  Dachdämmung Küchenmöbel échafaudage chaudière climatisation menuiserie ponteggio caldaia forklift
  scaffolding boiler heatpump solarpanels roofing kitchen flooring plumbing wiring elevator pool
  irrigation awning`);
/** `%p` is the product, `%c` a city, `%n` the sender's name. */
const TITLES = (
  'Presupuesto %p|Solicitud de información: %p|Quote for %p|Angebot %p|Demande de devis %p|' +
  'Richiesta preventivo %p|Consulta %p'
).split('|');
const MESSAGES = [
  'Hola, buenos días. Me llamo %n y necesito un presupuesto de %p para una obra en %c. ¿Podrían llamarme por la mañana? Gracias.',
  'Hello, we are looking for %p for our new site in %c. Could you send prices and delivery times? Best regards, %n',
  'Guten Tag, wir interessieren uns für %p in %c. Bitte schicken Sie uns ein Angebot. Mit freundlichen Grüßen %n',
  'Bonjour, je souhaite recevoir un devis pour %p à %c, livraison avant la fin du mois. Cordialement, %n',
  'Buongiorno, vorrei un preventivo per %p a %c. Potete contattarmi via email? %n',
  'Buenas tardes, ¿tenéis disponibilidad de %p en %c para la semana que viene? Es urgente. Un saludo, %n',
];
const fill = (template: string, words: Record<string, string>) =>
  template.replace(/%([pcn])/g, (_, key: string) => words[key] ?? '');
const DOMAINS = 'gmail.com hotmail.com yahoo.es outlook.com icloud.com gmx.de orange.fr'.split(' ');

/** A well-mixed 32-bit hash of (n, salt): the same lead always draws the same words. */
function mix(n: number, salt: number): number {
  let x = Math.imul(n ^ Math.imul(salt, 0x9e3779b1), 0x85ebca77);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const pick = <T>(list: readonly T[], n: number, salt: number): T =>
  list[mix(n, salt) % list.length]!;

/** An address's local part keeps letters a–z only, as most people's addresses do. */
export const ascii = (word: string) =>
  word
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

const SINCE = Date.parse('2024-01-01T00:00:00Z');
const USERS = 10;

type LeadWords = ReturnType<typeof leadWords>;

/** Company is present on most leads, not all. */
export function leadWords(n: number) {
  return {
    first: pick(FIRST, n, 1),
    last: pick(LAST, n, 2),
    company:
      mix(n, 3) % 10 < 7
        ? {
            stem: pick(COMPANY_STEMS, n, 4),
            place: pick(COMPANY_PLACES, n, 5),
            kind: pick(COMPANY_KINDS, n, 6),
          }
        : null,
    product: pick(PRODUCTS, n, 7),
    city: pick(COMPANY_PLACES, n, 8),
  };
}

/** Even leads are repeat leads of a client; odd ones are simple leads with identities of their own. */
export const clientOf = (n: number, clients: number) =>
  n % 2 === 0 ? 1 + (mix(n, 9) % clients) : null;

export const leadEmail = (n: number) => {
  const { first, last } = leadWords(n);
  return `${ascii(first)}.${ascii(last)}.${n}@${pick(DOMAINS, n, 10)}`;
};
export const leadPhone = (n: number) => `+347${String(n).padStart(8, '0')}`;

/** The canonical keys a person searching for lead `n`'s sender would type (its client's or its own). */
export function senderKeys(n: number, clients: number): { email: string; phone: string } {
  const client = clientOf(n, clients);
  return client === null
    ? { email: `email:${leadEmail(n)}`, phone: `phone:${leadPhone(n)}` }
    : { email: `email:${clientEmail(client)}`, phone: `phone:${clientPhone(client)}` };
}

export function searchLead(n: number, clients: number): SeedLead {
  const words = leadWords(n);
  const name = `${words.first} ${words.last}`;
  const clientId = clientOf(n, clients);
  const email = leadEmail(n);
  const phone = leadPhone(n);
  const identities: Identity[] =
    clientId === null
      ? [
          { kind: 'email', key: `email:${email}`, raw: email },
          { kind: 'phone', key: `phone:${phone}`, raw: phone },
        ]
      : [];
  const { company } = words;
  return {
    clientId,
    identities,
    responsibleId: n % 7 === 0 ? null : 1 + (n % USERS),
    title: fill(pick(TITLES, n, 11), { p: words.product }),
    name,
    company: company ? `${company.stem} ${company.place} ${company.kind}` : null,
    message: fill(pick(MESSAGES, n, 12), { p: words.product, c: words.city, n: name }),
    at: new Date(SINCE + n * 30_000),
  };
}

/** What a person looking for lead `n` types, by kind of search. */
export const TEXT_QUERIES: Record<string, (words: LeadWords, n: number) => string> = {
  name: ({ first, last }) => `${first} ${last}`,
  // The surname cut after 3 to 5 letters, as the list refreshes while typing.
  'name typed': ({ first, last }, n) => `${first} ${last.slice(0, 3 + (mix(n, 13) % 3))}`,
  company: ({ company, last }) => (company ? `${company.stem} ${company.place}` : last),
  'message words': ({ product, city }) => `${product} ${city}`,
  // One word, found in thousands of leads: the newest page of them.
  'first name': ({ first }) => first,
  'surname typed': ({ last }) => last.slice(0, 3),
};
