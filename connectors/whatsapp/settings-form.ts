/** A WhatsApp number's form in the console: its id and Meta's secrets, and how it answers. */
import type { SettingsSection } from '../../core/channel.ts';
import { DEFAULT_API_VERSION } from './config.ts';

export const whatsappSettingsForm: readonly SettingsSection[] = [
  {
    id: 'number',
    legend: { en: 'Phone number', es: 'Número de teléfono' },
    fields: [
      {
        name: 'phoneNumberId',
        type: 'text',
        label: { en: 'Phone number ID', es: 'ID del número de teléfono' },
        help: {
          en: "Digits, as Meta's dashboard shows it (not the number itself).",
          es: 'Dígitos, como lo muestra el panel de Meta (no el número en sí).',
        },
        required: true,
        example: '106540352242922',
      },
      {
        name: 'accessToken',
        type: 'secret',
        label: { en: 'Access token', es: 'Token de acceso' },
        help: { en: "A system user's token.", es: 'El token de un usuario del sistema.' },
        required: true,
      },
      {
        name: 'appSecret',
        type: 'secret',
        label: { en: 'App secret', es: 'Clave secreta de la app' },
        help: {
          en: 'Checks that webhook posts come from Meta.',
          es: 'Comprueba que los avisos del webhook vienen de Meta.',
        },
        required: true,
      },
      {
        name: 'verifyToken',
        type: 'passphrase',
        label: { en: 'Verify token', es: 'Token de verificación' },
        help: {
          en: "Your choice, at least 8 characters; type the same into Meta's dashboard.",
          es: 'A tu elección, al menos 8 caracteres; escribe el mismo en el panel de Meta.',
        },
        required: true,
      },
      {
        name: 'publicBaseUrl',
        type: 'url',
        label: { en: 'Public address of Leadwire', es: 'Dirección pública de Leadwire' },
        help: {
          en: 'To show the whole webhook address to give Meta.',
          es: 'Para mostrar la dirección completa del webhook que se da a Meta.',
        },
        example: 'https://leads.example.com',
      },
    ],
  },
  {
    id: 'replies',
    legend: { en: 'Messages', es: 'Mensajes' },
    fields: [
      {
        name: 'greeting',
        type: 'text',
        label: { en: 'Greeting for a new customer', es: 'Saludo a un cliente nuevo' },
        example: 'Thanks! We will answer shortly.',
      },
      {
        name: 'maxFileMb',
        type: 'number',
        label: { en: 'Largest file kept (MB)', es: 'Archivo más grande que se guarda (MB)' },
        default: 16,
        min: 1,
        max: 100,
      },
      {
        name: 'apiRoot',
        type: 'url',
        label: { en: 'Graph API server', es: 'Servidor de la Graph API' },
        help: {
          en: "Empty: Meta's own. Changing it needs the access token again.",
          es: 'Vacío: el de Meta. Cambiarlo pide de nuevo el token de acceso.',
        },
        example: 'https://graph.facebook.com',
      },
      {
        name: 'apiVersion',
        type: 'text',
        label: { en: 'Graph API version', es: 'Versión de la Graph API' },
        default: DEFAULT_API_VERSION,
        example: DEFAULT_API_VERSION,
      },
    ],
  },
];
