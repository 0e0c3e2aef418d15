/**
 * Every word the console shows a person, in English and Spanish (the seeds' CRM language). A
 * page asks for a key; `{name}` in a text is filled from the parameters. A missing Spanish text
 * is a type error, not an English word in a Spanish page.
 */
const en = {
  'app.name': 'Leadwire',
  'nav.leads': 'Leads',
  'nav.skip': 'Skip to the content',
  'nav.queues': 'Queues',
  'nav.metrics': 'Metrics',
  'nav.signOut': 'Sign out',
  'nav.main': 'Main',
  'signIn.title': 'Sign in',
  'signIn.email': 'Email',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.expired': 'Your session has ended; sign in again.',
  'signIn.signedOut': 'You are signed out.',
  'signIn.missing': 'Give your email and password.',
  'signIn.elsewhere': 'Sign in from this page.',
  'signIn.noAccount': 'No account? Ask an administrator to create one.',
  'signIn.wrong': 'The email or the password is not right.',
  'signIn.tooMany': 'Too many failed sign-ins: wait a few minutes and try again.',
  'setup.title': 'Welcome to Leadwire',
  'setup.intro':
    'Nobody has an account yet. Create the first administrator: you sign in with this email and password.',
  'setup.name': 'Your name',
  'setup.password': 'Password (at least {min} characters)',
  'setup.confirm': 'The password again',
  'setup.submit': 'Create the administrator',
  'setup.mismatch': 'The two passwords differ.',
  'setup.done': 'There is an administrator already: sign in.',
  'setup.next':
    'Next, connect a channel, so customers’ messages become leads: {command} (a mailbox, a Telegram bot, WhatsApp, a web form or a callback widget).',
  'form.problem': 'Please correct this:',
  'forbidden.title': 'Not for you',
  'forbidden.text': 'Your role does not allow this.',
  'notFound.title': 'Not found',
  'notFound.text': 'There is nothing here, or it is not yours to see.',
  'leads.title': 'Leads',
  'leads.search': 'Search by name, email, phone or words',
  'leads.searchButton': 'Search',
  'leads.view': 'Show',
  'leads.view.mine': 'Mine',
  'leads.view.unassigned': 'Unassigned',
  'leads.view.department': 'My department',
  'leads.view.all': 'All I may see',
  'leads.type': 'Kind',
  'leads.type.any': 'Any kind',
  'leads.type.simple': 'Simple',
  'leads.type.repeat': 'Repeat',
  'leads.stage': 'Stage',
  'leads.stage.any': 'Any stage',
  'leads.review': 'Needs review',
  'leads.open': 'Open only',
  'leads.apply': 'Apply',
  'leads.empty': 'No leads match.',
  'leads.noneYet': 'No leads yet. They appear here as customers write, without a reload.',
  'leads.more': 'Older leads',
  'leads.col.lead': 'Lead',
  'leads.col.stage': 'Stage',
  'leads.col.responsible': 'Responsible',
  'leads.col.channel': 'Channel',
  'leads.col.updated': 'Updated',
  'leads.unassigned': 'unassigned',
  'leads.unread': 'new',
  'leads.keys': 'Keys: j / k move, Enter opens, / searches.',
  'lead.back': 'All leads',
  'lead.title': 'Lead {id}',
  'lead.client': 'Client',
  'lead.source': 'Source',
  'lead.duplicate': 'Possible duplicate of lead {id}',
  'lead.stage': 'Stage',
  'lead.responsible': 'Responsible',
  'lead.nobody': 'Nobody',
  'lead.save': 'Save',
  'lead.history': 'Conversation',
  'lead.noMessages': 'No messages yet.',
  'lead.reply': 'Reply',
  'lead.replyOn': 'Reply on {channel}',
  'lead.send': 'Send',
  'lead.noReplyChannel': 'This conversation has no channel to answer on.',
  'lead.note': 'Internal note',
  'lead.addNote': 'Add note',
  'lead.notes': 'Notes',
  'lead.timeline': 'Timeline',
  'lead.junkReason': 'Junk reason',
  'lead.attachment': 'Attachment',
  'lead.readOnly': 'You may read this lead but not change it.',
  'message.in': 'from {sender}',
  'message.out': 'by {sender}',
  'status.queued': 'queued',
  'status.sent': 'sent',
  'status.delivered': 'delivered',
  'status.read': 'read',
  'status.failed': 'failed',
  'type.simple': 'simple',
  'type.repeat': 'repeat',
  'problem.text': 'Write something first.',
  'problem.stage': 'No such stage.',
  'problem.reason': 'This stage needs a reason.',
  'problem.user': 'No such active user.',
  'problem.generic': 'That did not work: {message}',
} as const;

export type MessageKey = keyof typeof en;
type Catalogue = Record<MessageKey, string>;

const es: Catalogue = {
  'app.name': 'Leadwire',
  'nav.leads': 'Leads',
  'nav.skip': 'Ir al contenido',
  'nav.queues': 'Colas',
  'nav.metrics': 'Métricas',
  'nav.signOut': 'Cerrar sesión',
  'nav.main': 'Principal',
  'signIn.title': 'Iniciar sesión',
  'signIn.email': 'Correo electrónico',
  'signIn.password': 'Contraseña',
  'signIn.submit': 'Entrar',
  'signIn.expired': 'Tu sesión ha terminado; vuelve a entrar.',
  'signIn.signedOut': 'Has cerrado la sesión.',
  'signIn.missing': 'Escribe tu correo y tu contraseña.',
  'signIn.elsewhere': 'Inicia sesión desde esta página.',
  'signIn.noAccount': '¿Sin cuenta? Pide a un administrador que la cree.',
  'signIn.wrong': 'El correo o la contraseña no son correctos.',
  'signIn.tooMany': 'Demasiados intentos fallidos: espera unos minutos y vuelve a probar.',
  'setup.title': 'Bienvenido a Leadwire',
  'setup.intro':
    'Aún no hay cuentas. Crea el primer administrador: entrarás con este correo y esta contraseña.',
  'setup.name': 'Tu nombre',
  'setup.password': 'Contraseña (al menos {min} caracteres)',
  'setup.confirm': 'La contraseña otra vez',
  'setup.submit': 'Crear el administrador',
  'setup.mismatch': 'Las dos contraseñas no coinciden.',
  'setup.done': 'Ya hay un administrador: inicia sesión.',
  'setup.next':
    'Ahora conecta un canal para que los mensajes de los clientes sean leads: {command} (un buzón, un bot de Telegram, WhatsApp, un formulario web o un widget de llamada).',
  'form.problem': 'Corrige esto:',
  'forbidden.title': 'No permitido',
  'forbidden.text': 'Tu rol no lo permite.',
  'notFound.title': 'No encontrado',
  'notFound.text': 'Aquí no hay nada, o no puedes verlo.',
  'leads.title': 'Leads',
  'leads.search': 'Buscar por nombre, correo, teléfono o palabras',
  'leads.searchButton': 'Buscar',
  'leads.view': 'Mostrar',
  'leads.view.mine': 'Míos',
  'leads.view.unassigned': 'Sin asignar',
  'leads.view.department': 'Mi departamento',
  'leads.view.all': 'Todos los que puedo ver',
  'leads.type': 'Tipo',
  'leads.type.any': 'Cualquier tipo',
  'leads.type.simple': 'Simple',
  'leads.type.repeat': 'Repetido',
  'leads.stage': 'Etapa',
  'leads.stage.any': 'Cualquier etapa',
  'leads.review': 'Por revisar',
  'leads.open': 'Solo abiertos',
  'leads.apply': 'Aplicar',
  'leads.empty': 'Ningún lead coincide.',
  'leads.noneYet': 'Aún no hay leads. Aparecen aquí cuando escriben los clientes, sin recargar.',
  'leads.more': 'Leads anteriores',
  'leads.col.lead': 'Lead',
  'leads.col.stage': 'Etapa',
  'leads.col.responsible': 'Responsable',
  'leads.col.channel': 'Canal',
  'leads.col.updated': 'Actualizado',
  'leads.unassigned': 'sin asignar',
  'leads.unread': 'nuevo',
  'leads.keys': 'Teclas: j / k moverse, Intro abre, / busca.',
  'lead.back': 'Todos los leads',
  'lead.title': 'Lead {id}',
  'lead.client': 'Cliente',
  'lead.source': 'Origen',
  'lead.duplicate': 'Posible duplicado del lead {id}',
  'lead.stage': 'Etapa',
  'lead.responsible': 'Responsable',
  'lead.nobody': 'Nadie',
  'lead.save': 'Guardar',
  'lead.history': 'Conversación',
  'lead.noMessages': 'Aún no hay mensajes.',
  'lead.reply': 'Responder',
  'lead.replyOn': 'Responder por {channel}',
  'lead.send': 'Enviar',
  'lead.noReplyChannel': 'Esta conversación no tiene un canal por el que responder.',
  'lead.note': 'Nota interna',
  'lead.addNote': 'Añadir nota',
  'lead.notes': 'Notas',
  'lead.timeline': 'Historial',
  'lead.junkReason': 'Motivo de descarte',
  'lead.attachment': 'Adjunto',
  'lead.readOnly': 'Puedes leer este lead pero no cambiarlo.',
  'message.in': 'de {sender}',
  'message.out': 'por {sender}',
  'status.queued': 'en cola',
  'status.sent': 'enviado',
  'status.delivered': 'entregado',
  'status.read': 'leído',
  'status.failed': 'fallido',
  'type.simple': 'simple',
  'type.repeat': 'repetido',
  'problem.text': 'Escribe algo primero.',
  'problem.stage': 'No existe esa etapa.',
  'problem.reason': 'Esta etapa necesita un motivo.',
  'problem.user': 'No existe ese usuario activo.',
  'problem.generic': 'No se pudo: {message}',
};

const CATALOGUES: Record<Language, Catalogue> = { en, es };
export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** The catalogue's language for a BCP 47 tag (`es-ES` → `es`); English when it has none. */
export function languageOf(tag: string | undefined): Language {
  const base = (tag ?? '').toLowerCase().split('-')[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : 'en';
}

/** The first language of an Accept-Language header the catalogue has (quality order). */
export function acceptedLanguage(header: string | undefined): Language {
  const ranked = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = Number(
        rest
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? 1,
      );
      return { tag, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const language = languageOf(tag);
    if (language !== 'en' || tag.toLowerCase().startsWith('en')) return language;
  }
  return 'en';
}

export function translator(language: Language): Translate {
  const catalogue = CATALOGUES[language];
  return (key, params) =>
    catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      params && name in params ? String(params[name]) : whole,
    );
}
