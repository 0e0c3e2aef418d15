/**
 * What the console reads from a visitor before any store is asked: their language, where a
 * sign-in may send them back to, and what its one search box means.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptedLanguage,
  languageOf,
  translator,
} from '../../../../../connectors/http/console/catalogue.ts';
import { searchFilter } from '../../../../../connectors/http/console/leads.tsx';
import { safeNext } from '../../../../../connectors/http/console/session.ts';

describe('languages', () => {
  it('takes the catalogue language of a tag or an Accept-Language header, else English', () => {
    expect(languageOf('es-ES')).toBe('es');
    expect(languageOf('ES')).toBe('es');
    expect(languageOf('de')).toBe('en');
    expect(languageOf(undefined)).toBe('en');
    expect(acceptedLanguage('es-MX,es;q=0.9,en;q=0.8')).toBe('es');
    expect(acceptedLanguage('de-DE,de;q=0.9,es;q=0.5')).toBe('es');
    expect(acceptedLanguage('en-GB,es;q=0.9')).toBe('en');
    expect(acceptedLanguage('es;q=0,en;q=0.5')).toBe('en');
    expect(acceptedLanguage('')).toBe('en');
  });

  it('fills parameters and leaves unknown ones visible', () => {
    expect(translator('es')('lead.title', { id: 7 })).toBe('Lead 7');
    expect(translator('en')('setup.password', { min: 10 })).toBe(
      'Password (at least 10 characters)',
    );
    expect(translator('en')('lead.title')).toBe('Lead {id}');
  });
});

describe('after sign-in', () => {
  it('goes back only to a page of our own', () => {
    expect(safeNext('/leads/42')).toBe('/leads/42');
    expect(safeNext('/leads?view=mine&q=ana')).toBe('/leads?view=mine&q=ana');
    expect(safeNext('/leads?q=ana+lopez')).toBe('/leads?q=ana+lopez');
    for (const away of [
      '//evil.test/x',
      'https://evil.test/',
      '/\\evil.test',
      'javascript:alert(1)',
      '/api/v1/leads',
      42,
      undefined,
    ])
      expect(safeNext(away), String(away)).toBe('/leads');
  });
});

describe('the search box', () => {
  it('finds an email or a phone in any spelling, and otherwise words', () => {
    expect(searchFilter('Ana@Example.COM', 'ES')).toEqual({
      identityKeys: ['email:ana@example.com'],
    });
    expect(searchFilter('612 34 56 78', 'ES')).toEqual({ identityKeys: ['phone:+34612345678'] });
    expect(searchFilter('+34 (612) 345-678', undefined)).toEqual({
      identityKeys: ['phone:+34612345678'],
    });
    expect(searchFilter('ana garcía', 'ES')).toEqual({ q: 'ana garcía' });
    // Not a phone, not an email: words (a street number, an order code).
    expect(searchFilter('12345', 'ES')).toEqual({ q: '12345' });
    expect(searchFilter('pedido @ 12', 'ES')).toEqual({ q: 'pedido @ 12' });
    expect(searchFilter('', 'ES')).toEqual({});
  });
});
