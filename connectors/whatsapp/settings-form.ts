/** A WhatsApp number's form in the console: its id and Meta's secrets, and how it answers. */
import type { SettingsSection } from '../../core/channel.ts';
import { DEFAULT_API_VERSION } from './config.ts';

export const whatsappSettingsForm: readonly SettingsSection[] = [
  {
    id: 'number',
    legend: { en: 'Phone number', es: 'Número de teléfono', ru: 'Номер телефона' },
    fields: [
      {
        name: 'phoneNumberId',
        type: 'text',
        label: { en: 'Phone number ID', es: 'ID del número de teléfono', ru: 'ID номера телефона' },
        help: {
          en: "Digits, as Meta's dashboard shows it (not the number itself).",
          es: 'Dígitos, como lo muestra el panel de Meta (no el número en sí).',
          ru: 'Цифры, как их показывает панель Meta (не сам номер).',
        },
        required: true,
        example: '106540352242922',
      },
      {
        name: 'accessToken',
        type: 'secret',
        label: { en: 'Access token', es: 'Token de acceso', ru: 'Токен доступа' },
        help: {
          en: "A system user's token.",
          es: 'El token de un usuario del sistema.',
          ru: 'Токен системного пользователя.',
        },
        required: true,
      },
      {
        name: 'appSecret',
        type: 'secret',
        label: { en: 'App secret', es: 'Clave secreta de la app', ru: 'Секрет приложения' },
        help: {
          en: 'Checks that webhook posts come from Meta.',
          es: 'Comprueba que los avisos del webhook vienen de Meta.',
          ru: 'Позволяет проверить, что запросы вебхука приходят от Meta.',
        },
        required: true,
      },
      {
        name: 'verifyToken',
        type: 'passphrase',
        label: { en: 'Verify token', es: 'Token de verificación', ru: 'Токен подтверждения' },
        help: {
          en: "Your choice, at least 8 characters; type the same into Meta's dashboard.",
          es: 'A tu elección, al menos 8 caracteres; escribe el mismo en el panel de Meta.',
          ru: 'Придумайте сами, не менее 8 символов; введите то же значение в панели Meta.',
        },
        required: true,
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
          en: 'To show the whole webhook address to give Meta.',
          es: 'Para mostrar la dirección completa del webhook que se da a Meta.',
          ru: 'Чтобы показать полный адрес вебхука, который нужно указать в Meta.',
        },
        example: 'https://leads.example.com',
      },
    ],
  },
  {
    id: 'replies',
    legend: { en: 'Messages', es: 'Mensajes', ru: 'Сообщения' },
    fields: [
      {
        name: 'greeting',
        type: 'text',
        label: {
          en: 'Greeting for a new customer',
          es: 'Saludo a un cliente nuevo',
          ru: 'Приветствие новому клиенту',
        },
        example: 'Thanks! We will answer shortly.',
      },
      {
        name: 'maxFileMb',
        type: 'number',
        label: {
          en: 'Largest file kept (MB)',
          es: 'Archivo más grande que se guarda (MB)',
          ru: 'Наибольший сохраняемый файл (МБ)',
        },
        default: 16,
        min: 1,
        max: 100,
      },
      {
        name: 'apiRoot',
        type: 'url',
        label: { en: 'Graph API server', es: 'Servidor de la Graph API', ru: 'Сервер Graph API' },
        help: {
          en: "Empty: Meta's own. Changing it needs the access token again.",
          es: 'Vacío: el de Meta. Cambiarlo pide de nuevo el token de acceso.',
          ru: 'Пусто — сервер самой Meta. При смене нужно снова ввести токен доступа.',
        },
        example: 'https://graph.facebook.com',
      },
      {
        name: 'apiVersion',
        type: 'text',
        label: { en: 'Graph API version', es: 'Versión de la Graph API', ru: 'Версия Graph API' },
        default: DEFAULT_API_VERSION,
        example: DEFAULT_API_VERSION,
      },
    ],
  },
];
