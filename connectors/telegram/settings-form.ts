/** A bot's form in the console: its token, how updates arrive, and what it accepts. */
import type { SettingsSection } from '../../core/channel.ts';

export const telegramSettingsForm: readonly SettingsSection[] = [
  {
    id: 'bot',
    legend: { en: 'Bot', es: 'Bot', ru: 'Бот' },
    fields: [
      {
        name: 'token',
        type: 'secret',
        label: { en: 'Bot token', es: 'Token del bot', ru: 'Токен бота' },
        help: {
          en: 'From @BotFather, e.g. 123456:ABC-DEF…',
          es: 'De @BotFather, p. ej. 123456:ABC-DEF…',
          ru: 'От @BotFather, например 123456:ABC-DEF…',
        },
        required: true,
      },
      {
        name: 'mode',
        type: 'select',
        label: {
          en: 'Updates arrive by',
          es: 'Las novedades llegan por',
          ru: 'Как приходят обновления',
        },
        options: [
          {
            value: 'polling',
            label: {
              en: 'polling (no public address needed)',
              es: 'sondeo (sin dirección pública)',
              ru: 'опрос (публичный адрес не нужен)',
            },
          },
          {
            value: 'webhook',
            label: {
              en: 'webhook (Telegram calls us)',
              es: 'webhook (Telegram nos llama)',
              ru: 'вебхук (Telegram обращается к нам)',
            },
          },
        ],
        default: 'polling',
      },
      {
        name: 'publicBaseUrl',
        type: 'url',
        label: {
          en: 'Public address of Leadwire',
          es: 'Dirección pública de Leadwire',
          ru: 'Публичный адрес Leadwire',
        },
        help: {
          en: 'Webhook mode: where Telegram reaches this deployment.',
          es: 'Modo webhook: donde Telegram llega a esta instalación.',
          ru: 'Для режима вебхука: адрес, по которому Telegram обращается к этой установке.',
        },
        example: 'https://leads.example.com',
      },
      {
        name: 'greeting',
        type: 'text',
        label: {
          en: 'Greeting for a new customer',
          es: 'Saludo a un cliente nuevo',
          ru: 'Приветствие новому клиенту',
        },
        help: {
          en: 'Sent once, after their first message.',
          es: 'Se envía una vez, tras su primer mensaje.',
          ru: 'Отправляется один раз, после его первого сообщения.',
        },
        example: 'Thanks! We will answer shortly.',
      },
      {
        name: 'allowGroups',
        type: 'checkbox',
        label: {
          en: 'Accept messages in groups',
          es: 'Aceptar mensajes en grupos',
          ru: 'Принимать сообщения в группах',
        },
        default: false,
      },
      {
        name: 'maxFileMb',
        type: 'number',
        label: {
          en: 'Largest file kept (MB)',
          es: 'Archivo más grande que se guarda (MB)',
          ru: 'Наибольший сохраняемый файл (МБ)',
        },
        default: 20,
        min: 1,
        max: 20,
      },
      {
        name: 'apiRoot',
        type: 'url',
        label: { en: 'Bot API server', es: 'Servidor de la Bot API', ru: 'Сервер Bot API' },
        help: {
          en: "Empty: Telegram's own. Changing it needs the token again.",
          es: 'Vacío: el de Telegram. Cambiarlo pide de nuevo el token.',
          ru: 'Пусто — сервер самого Telegram. При смене нужно снова ввести токен.',
        },
        example: 'https://api.telegram.org',
      },
    ],
  },
];
