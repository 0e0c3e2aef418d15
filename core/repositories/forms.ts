/**
 * Website widgets: web forms (channel kind `webform`) and callback widgets (kind `callback`).
 * Each is one channel (default country, operator queue, active flag) plus a definition, which
 * its connector validates; the store only keeps it.
 */
export type WidgetKind = 'webform' | 'callback';

export interface Widget {
  id: number;
  channelId: number;
  kind: WidgetKind;
  slug: string;
  title: string;
  active: boolean;
  defaultCountry: string | null;
  operatorIds: number[];
  definition: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface WidgetInput {
  slug: string;
  title: string;
  active: boolean;
  defaultCountry: string | null;
  operatorIds: number[];
  definition: Record<string, unknown>;
}

/** A website post turned away as automated, kept so an operator can rescue a false positive. */
export interface Rejection {
  formId: number;
  reason: string;
  ip: string | null;
  userAgent: string | null;
  /** The posted fields as JSON text. */
  body: string;
  receivedAt: Date;
}

export interface FormRepository {
  /** Every website post looks its widget up by slug: kept cheap. */
  bySlug(kind: WidgetKind, slug: string): Promise<Widget | undefined>;
  get(kind: WidgetKind, id: number): Promise<Widget | undefined>;
  list(kind: WidgetKind): Promise<Widget[]>;
  slugTaken(slug: string, exceptId?: number): Promise<boolean>;
  /** The channel and the widget in one transaction. */
  create(kind: WidgetKind, input: WidgetInput, at: Date): Promise<Widget>;
  update(widget: Widget, input: WidgetInput, at: Date): Promise<Widget>;
  recordRejection(rejection: Rejection): Promise<void>;
  rejections(formId: number, limit: number): Promise<(Rejection & { id: number })[]>;
  /**
   * What a widget's channel has received (its health on the console): the inbox rows recorded
   * since `since`, and when the newest of all arrived (null: never).
   */
  received(channelId: number, since: Date): Promise<{ count: number; lastAt: Date | null }>;
}
