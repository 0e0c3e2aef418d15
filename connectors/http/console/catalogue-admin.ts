/**
 * The words of the admin screens (users, departments, roles, stages, custom fields, API keys),
 * in the same languages as catalogue.ts, which merges them in.
 */
export const adminEn = {
  'nav.admin': 'Admin',
} as const;

export const adminEs: Record<keyof typeof adminEn, string> = {
  'nav.admin': 'Administración',
};
