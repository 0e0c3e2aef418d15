/**
 * A mailbox's form in the console: the IMAP login it reads, the SMTP login replies go out by,
 * and how mail is handled. Names are paths into the body emailSettingsInput validates.
 */
import type { SettingsSection } from '../../core/channel.ts';

export const emailSettingsForm: readonly SettingsSection[] = [
  {
    id: 'imap',
    legend: {
      en: 'Incoming mail (IMAP)',
      es: 'Correo entrante (IMAP)',
      ru: 'Входящая почта (IMAP)',
    },
    fields: [
      {
        name: 'imap.host',
        type: 'text',
        label: { en: 'IMAP server', es: 'Servidor IMAP', ru: 'Сервер IMAP' },
        required: true,
        example: 'imap.example.com',
      },
      {
        name: 'imap.port',
        type: 'number',
        label: { en: 'Port', es: 'Puerto', ru: 'Порт' },
        default: 993,
        min: 1,
        max: 65535,
      },
      {
        name: 'imap.secure',
        type: 'checkbox',
        label: {
          en: 'TLS from the start (port 993)',
          es: 'TLS desde el inicio (puerto 993)',
          ru: 'TLS с самого начала (порт 993)',
        },
        help: {
          en: 'Off: plain, or STARTTLS when the server offers it.',
          es: 'Desactivado: sin cifrar, o STARTTLS si el servidor lo ofrece.',
          ru: 'Выключено: без шифрования или STARTTLS, если сервер его предлагает.',
        },
        default: true,
      },
      {
        name: 'imap.user',
        type: 'text',
        label: { en: 'User name', es: 'Usuario', ru: 'Имя пользователя' },
        required: true,
        example: 'sales@example.com',
      },
      {
        name: 'imap.password',
        type: 'secret',
        label: { en: 'Password', es: 'Contraseña', ru: 'Пароль' },
        required: true,
      },
    ],
  },
  {
    id: 'smtp',
    legend: {
      en: 'Outgoing mail (SMTP)',
      es: 'Correo saliente (SMTP)',
      ru: 'Исходящая почта (SMTP)',
    },
    optional: true,
    fields: [
      {
        name: 'smtp.host',
        type: 'text',
        label: { en: 'SMTP server', es: 'Servidor SMTP', ru: 'Сервер SMTP' },
        help: {
          en: 'Leave the server and the sender empty if replies are not sent from here.',
          es: 'Deja vacíos el servidor y el remitente si las respuestas no se envían desde aquí.',
          ru: 'Оставьте сервер и адрес отправителя пустыми, если ответы отсюда не отправляются.',
        },
        required: true,
        example: 'smtp.example.com',
      },
      {
        name: 'smtp.port',
        type: 'number',
        label: { en: 'Port', es: 'Puerto', ru: 'Порт' },
        default: 587,
        min: 1,
        max: 65535,
      },
      {
        name: 'smtp.secure',
        type: 'checkbox',
        label: {
          en: 'TLS from the start (port 465)',
          es: 'TLS desde el inicio (puerto 465)',
          ru: 'TLS с самого начала (порт 465)',
        },
        default: false,
      },
      {
        name: 'smtp.user',
        type: 'text',
        label: { en: 'User name', es: 'Usuario', ru: 'Имя пользователя' },
        example: 'sales@example.com',
      },
      {
        name: 'smtp.password',
        type: 'secret',
        label: { en: 'Password', es: 'Contraseña', ru: 'Пароль' },
      },
      {
        name: 'smtp.from',
        type: 'email',
        label: { en: 'Sender address', es: 'Dirección del remitente', ru: 'Адрес отправителя' },
        required: true,
        example: 'sales@example.com',
      },
      {
        name: 'smtp.fromName',
        type: 'text',
        label: { en: 'Sender name', es: 'Nombre del remitente', ru: 'Имя отправителя' },
        example: 'Example Sales',
      },
      {
        name: 'smtp.replyFromName',
        type: 'select',
        label: {
          en: 'A reply is signed by',
          es: 'Una respuesta la firma',
          ru: 'Ответ подписывается',
        },
        options: [
          {
            value: 'channel',
            label: {
              en: 'the sender name',
              es: 'el nombre del remitente',
              ru: 'именем отправителя',
            },
          },
          {
            value: 'operator',
            label: {
              en: 'the operator who wrote it',
              es: 'el operador que la escribió',
              ru: 'именем оператора, который его написал',
            },
          },
        ],
        default: 'channel',
      },
    ],
  },
  {
    id: 'handling',
    legend: { en: 'Mail handling', es: 'Tratamiento del correo', ru: 'Обработка почты' },
    later: true,
    fields: [
      {
        name: 'folders',
        type: 'list',
        label: { en: 'Folders to read', es: 'Carpetas que se leen', ru: 'Папки для чтения' },
        help: { en: 'One a line.', es: 'Una por línea.', ru: 'По одной в строке.' },
        default: 'INBOX',
        example: 'INBOX',
      },
      {
        name: 'afterIngest',
        type: 'select',
        label: {
          en: 'After a message is taken',
          es: 'Después de recoger un mensaje',
          ru: 'После получения письма',
        },
        options: [
          {
            value: 'leave',
            label: { en: 'leave it as it is', es: 'dejarlo como está', ru: 'оставить как есть' },
          },
          {
            value: 'seen',
            label: {
              en: 'mark it as read',
              es: 'marcarlo como leído',
              ru: 'отметить как прочитанное',
            },
          },
          {
            value: 'move',
            label: {
              en: 'move it to a folder',
              es: 'moverlo a una carpeta',
              ru: 'переместить в папку',
            },
          },
        ],
        default: 'leave',
      },
      {
        name: 'moveTo',
        type: 'text',
        label: {
          en: 'Folder to move it to',
          es: 'Carpeta a la que se mueve',
          ru: 'Папка, куда перемещать',
        },
        example: 'Archive',
      },
      {
        name: 'pollSeconds',
        type: 'number',
        label: {
          en: 'Check for new mail every (seconds)',
          es: 'Buscar correo nuevo cada (segundos)',
          ru: 'Проверять новую почту каждые (секунд)',
        },
        default: 60,
        min: 5,
        max: 3600,
      },
      {
        name: 'addresses',
        type: 'list',
        label: {
          en: "The mailbox's own addresses",
          es: 'Direcciones propias del buzón',
          ru: 'Собственные адреса почтового ящика',
        },
        help: {
          en: 'Mail from them is never a lead. One a line.',
          es: 'El correo que envían nunca es un lead. Una por línea.',
          ru: 'Письма с них никогда не становятся лидами. По одному в строке.',
        },
        example: 'info@example.com',
      },
      {
        name: 'humanSenders',
        type: 'list',
        label: {
          en: 'Senders that are people',
          es: 'Remitentes que son personas',
          ru: 'Отправители-люди',
        },
        help: {
          en: 'A website form mailer that looks automatic: an address or @domain, one a line.',
          es: 'El envío de formularios de una web que parece automático: una dirección o @dominio, una por línea.',
          ru: 'Рассыльщик форм сайта, который выглядит как робот: адрес или @домен, по одному в строке.',
        },
        example: '@forms.example.com',
      },
    ],
  },
];
