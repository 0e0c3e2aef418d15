/**
 * The words of the console's notifications (a lead assigned, a customer's answer, a call coming
 * up or overdue) and of the header control that turns desktop notifications on, in the same
 * languages as catalogue.ts, which merges them in.
 */
export const notifyEn = {
  'notify.region': 'Notifications',
  'notify.enable': 'Turn on desktop notifications',
  'notify.disable': 'Turn off desktop notifications',
  'notify.blocked': 'Desktop notifications are blocked in this browser’s settings',
  'notify.dismiss': 'Dismiss',
  'notify.open': 'Open',
  'notify.assigned': 'New lead assigned to you',
  'notify.message': 'The customer answered',
  'notify.dueSoon': 'Due in {minutes} min',
  'notify.overdue': 'Overdue',
  'notify.more': '{count} more notifications',
  'notify.moreBody': 'See your leads and activities.',
  'notify.webhookDisabled': 'A webhook was turned off',
} as const;

export const notifyEs: Record<keyof typeof notifyEn, string> = {
  'notify.region': 'Notificaciones',
  'notify.enable': 'Activar notificaciones de escritorio',
  'notify.disable': 'Desactivar notificaciones de escritorio',
  'notify.blocked':
    'Las notificaciones de escritorio están bloqueadas en la configuración del navegador',
  'notify.dismiss': 'Cerrar',
  'notify.open': 'Abrir',
  'notify.assigned': 'Nuevo lead asignado a usted',
  'notify.message': 'El cliente respondió',
  'notify.dueSoon': 'Vence en {minutes} min',
  'notify.overdue': 'Vencida',
  'notify.more': '{count} notificaciones más',
  'notify.moreBody': 'Vea sus leads y actividades.',
  'notify.webhookDisabled': 'Se desactivó un webhook',
};

export const notifyRu: Record<keyof typeof notifyEn, string> = {
  'notify.region': 'Уведомления',
  'notify.enable': 'Включить уведомления на рабочем столе',
  'notify.disable': 'Выключить уведомления на рабочем столе',
  'notify.blocked': 'Уведомления на рабочем столе запрещены в настройках браузера',
  'notify.dismiss': 'Закрыть',
  'notify.open': 'Открыть',
  'notify.assigned': 'Вам назначен новый лид',
  'notify.message': 'Клиент ответил',
  'notify.dueSoon': 'Через {minutes} мин.',
  'notify.overdue': 'Просрочено',
  'notify.more': 'Ещё уведомлений: {count}',
  'notify.moreBody': 'Посмотрите свои лиды и дела.',
  'notify.webhookDisabled': 'Вебхук отключён',
};
