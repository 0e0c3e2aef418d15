/**
 * The console's catalogue in every language it speaks: each has every English key with the same
 * `{placeholders}` (a text that drops or misspells one shows `{name}` to a person, or loses what
 * it was to say), Russian is picked from a Russian browser, and its texts are filled like any.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptedLanguage,
  CATALOGUES,
  LANGUAGES,
  languageOf,
  translator,
} from '../../../../../connectors/http/console/catalogue.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the catalogue', () => {
  const english = CATALOGUES.en;

  it.each(LANGUAGES.map((language) => [language]))(
    '%s has every English key with the same placeholders, and no other key',
    (language) => {
      const catalogue = CATALOGUES[language];
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(catalogue)) {
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        expect(placeholders(text), `${language} ${key}`).toEqual(
          placeholders(english[key as keyof typeof english]),
        );
      }
    },
  );

  it('speaks English, Spanish and Russian, each named in its own language', () => {
    expect(LANGUAGES).toEqual(['en', 'es', 'ru']);
    for (const language of LANGUAGES) {
      const t = translator(language);
      expect(t('admin.language.en')).toBe('English');
      expect(t('admin.language.es')).toBe('Español');
      expect(t('admin.language.ru')).toBe('Русский');
    }
  });

  it('picks Russian from a Russian tag or browser', () => {
    expect(languageOf('ru')).toBe('ru');
    expect(languageOf('ru-RU')).toBe('ru');
    expect(acceptedLanguage('ru-RU,ru;q=0.9,en;q=0.8')).toBe('ru');
    expect(acceptedLanguage('en-US,en;q=0.9,ru;q=0.8')).toBe('en');
    expect(acceptedLanguage('de-DE,ru;q=0.7,es;q=0.5')).toBe('ru');
  });

  it('fills placeholders in Russian and leaves unknown ones visible', () => {
    const t = translator('ru');
    expect(t('lead.title', { id: 7 })).toBe('Лид 7');
    expect(t('setup.weak', { min: 12, max: 128 })).toBe(
      'Пароль должен содержать от 12 до 128 символов.',
    );
    expect(t('timeline.stage_changed', { from: 'Новый', to: 'В работе' })).toBe(
      'этап Новый → В работе',
    );
    expect(t('lead.title')).toBe('Лид {id}');
  });

  it('writes a Russian date with the full ICU data of Node', () => {
    const format = new Intl.DateTimeFormat('ru', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Europe/Moscow',
    });
    expect(format.format(new Date('2026-03-05T09:30:00Z'))).toBe('5 мар. 2026 г., 12:30');
  });
});
