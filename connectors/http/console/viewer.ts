/**
 * Who is looking at a console page: the signed-in principal with the catalogue of their language,
 * their time zone, and the session's CSRF token (every form carries it).
 */
import type { Request, Response } from 'express';
import type { Principal } from '../principal.ts';
import {
  acceptedLanguage,
  languageOf,
  translator,
  type Language,
  type Translate,
} from './catalogue.ts';

export interface Viewer {
  principal: Principal;
  language: Language;
  t: Translate;
  timeZone: string;
  csrf: string;
  /** A date and time as the viewer reads them (their language, their time zone). */
  when(date: Date): string;
}

declare module 'express-serve-static-core' {
  interface Locals {
    viewer?: Viewer;
  }
}

export function viewerOf(principal: Principal, csrf: string): Viewer {
  const language = languageOf(principal.user?.language);
  const timeZone = principal.user?.timeZone ?? 'UTC';
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(language, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone,
    });
  } catch {
    format = new Intl.DateTimeFormat(language, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'UTC',
    });
  }
  return {
    principal,
    language,
    t: translator(language),
    timeZone,
    csrf,
    when: (date) => format.format(date),
  };
}

/** The page's viewer (the console's session middleware put it there). */
export function viewer(res: Response): Viewer {
  const found = res.locals.viewer;
  if (!found) throw new Error('console page without a signed-in viewer');
  return found;
}

/** The language of someone not signed in: their browser's. */
export const visitorLanguage = (req: Request): Language =>
  acceptedLanguage(req.get('accept-language'));
