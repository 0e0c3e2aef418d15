/**
 * A mailbox's form in the console: the IMAP login it reads, the SMTP login replies go out by,
 * and how mail is handled. Names are paths into the body emailSettingsInput validates.
 */
import type { SettingsSection } from '../../core/channel.ts';

export const emailSettingsForm: readonly SettingsSection[] = [
  {
    id: 'imap',
    legend: { en: 'Incoming mail (IMAP)', es: 'Correo entrante (IMAP)' },
    fields: [
      {
        name: 'imap.host',
        type: 'text',
        label: { en: 'IMAP server', es: 'Servidor IMAP' },
        required: true,
        example: 'imap.example.com',
      },
      {
        name: 'imap.port',
        type: 'number',
        label: { en: 'Port', es: 'Puerto' },
        default: 993,
        min: 1,
        max: 65535,
      },
      {
        name: 'imap.secure',
        type: 'checkbox',
        label: { en: 'TLS from the start (port 993)', es: 'TLS desde el inicio (puerto 993)' },
        help: {
          en: 'Off: plain, or STARTTLS when the server offers it.',
          es: 'Desactivado: sin cifrar, o STARTTLS si el servidor lo ofrece.',
        },
        default: true,
      },
      {
        name: 'imap.user',
        type: 'text',
        label: { en: 'User name', es: 'Usuario' },
        required: true,
        example: 'sales@example.com',
      },
      {
        name: 'imap.password',
        type: 'secret',
        label: { en: 'Password', es: 'Contraseña' },
        required: true,
      },
    ],
  },
  {
    id: 'smtp',
    legend: { en: 'Outgoing mail (SMTP)', es: 'Correo saliente (SMTP)' },
    optional: true,
    fields: [
      {
        name: 'smtp.host',
        type: 'text',
        label: { en: 'SMTP server', es: 'Servidor SMTP' },
        help: {
          en: 'Leave the server and the sender empty if replies are not sent from here.',
          es: 'Deja vacíos el servidor y el remitente si las respuestas no se envían desde aquí.',
        },
        required: true,
        example: 'smtp.example.com',
      },
      {
        name: 'smtp.port',
        type: 'number',
        label: { en: 'Port', es: 'Puerto' },
        default: 587,
        min: 1,
        max: 65535,
      },
      {
        name: 'smtp.secure',
        type: 'checkbox',
        label: { en: 'TLS from the start (port 465)', es: 'TLS desde el inicio (puerto 465)' },
        default: false,
      },
      {
        name: 'smtp.user',
        type: 'text',
        label: { en: 'User name', es: 'Usuario' },
        example: 'sales@example.com',
      },
      { name: 'smtp.password', type: 'secret', label: { en: 'Password', es: 'Contraseña' } },
      {
        name: 'smtp.from',
        type: 'email',
        label: { en: 'Sender address', es: 'Dirección del remitente' },
        required: true,
        example: 'sales@example.com',
      },
      {
        name: 'smtp.fromName',
        type: 'text',
        label: { en: 'Sender name', es: 'Nombre del remitente' },
        example: 'Example Sales',
      },
      {
        name: 'smtp.replyFromName',
        type: 'select',
        label: { en: 'A reply is signed by', es: 'Una respuesta la firma' },
        options: [
          { value: 'channel', label: { en: 'the sender name', es: 'el nombre del remitente' } },
          {
            value: 'operator',
            label: { en: 'the operator who wrote it', es: 'el operador que la escribió' },
          },
        ],
        default: 'channel',
      },
    ],
  },
  {
    id: 'handling',
    legend: { en: 'Mail handling', es: 'Tratamiento del correo' },
    later: true,
    fields: [
      {
        name: 'folders',
        type: 'list',
        label: { en: 'Folders to read', es: 'Carpetas que se leen' },
        help: { en: 'One a line.', es: 'Una por línea.' },
        default: 'INBOX',
        example: 'INBOX',
      },
      {
        name: 'afterIngest',
        type: 'select',
        label: { en: 'After a message is taken', es: 'Después de recoger un mensaje' },
        options: [
          { value: 'leave', label: { en: 'leave it as it is', es: 'dejarlo como está' } },
          { value: 'seen', label: { en: 'mark it as read', es: 'marcarlo como leído' } },
          { value: 'move', label: { en: 'move it to a folder', es: 'moverlo a una carpeta' } },
        ],
        default: 'leave',
      },
      {
        name: 'moveTo',
        type: 'text',
        label: { en: 'Folder to move it to', es: 'Carpeta a la que se mueve' },
        example: 'Archive',
      },
      {
        name: 'pollSeconds',
        type: 'number',
        label: {
          en: 'Check for new mail every (seconds)',
          es: 'Buscar correo nuevo cada (segundos)',
        },
        default: 60,
        min: 5,
        max: 3600,
      },
      {
        name: 'addresses',
        type: 'list',
        label: { en: "The mailbox's own addresses", es: 'Direcciones propias del buzón' },
        help: {
          en: 'Mail from them is never a lead. One a line.',
          es: 'El correo que envían nunca es un lead. Una por línea.',
        },
        example: 'info@example.com',
      },
      {
        name: 'humanSenders',
        type: 'list',
        label: { en: 'Senders that are people', es: 'Remitentes que son personas' },
        help: {
          en: 'A website form mailer that looks automatic: an address or @domain, one a line.',
          es: 'El envío de formularios de una web que parece automático: una dirección o @dominio, una por línea.',
        },
        example: '@forms.example.com',
      },
    ],
  },
];
