/**
 * The words of the web form and callback widget screens, in the same languages as catalogue.ts,
 * which merges them in.
 */
export const widgetsEn = {
  'widgets.forms': 'Web forms',
} as const;

export const widgetsEs: Record<keyof typeof widgetsEn, string> = {
  'widgets.forms': 'Formularios web',
};
