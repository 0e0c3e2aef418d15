import { describe, expect, it } from 'vitest';
import { detectEncoding } from '../../../../core/import/encoding.ts';

/**
 * Windows code pages are not in Node's Buffer; this encodes through the reverse of TextDecoder.
 * (`stream: true`: Node 20's one-shot windows-1252 decoding is Latin-1 and loses `–` `€` `“`.)
 */
function encode(text: string, encoding: 'windows-1251' | 'windows-1252'): Uint8Array {
  const table = new Map<string, number>();
  for (let byte = 0; byte < 256; byte++) {
    const decoder = new TextDecoder(encoding);
    table.set(decoder.decode(new Uint8Array([byte]), { stream: true }), byte);
  }
  return Uint8Array.from([...text], (char) => {
    const byte = table.get(char);
    if (byte === undefined) throw new Error(`${char} is not in ${encoding}`);
    return byte;
  });
}

const RUSSIAN = [
  'Фамилия;Имя;Отчество;Телефон;Адрес',
  'Петров;Иван;Иванович;+7 495 123-45-67;г. Москва, ул. Тверская, д. 1',
  'Ёлкина;Ольга;Сергеевна;8 916 555-12-34;Санкт-Петербург, Невский пр., 28',
  'Кузнецов;Алексей;;;"Казань, ул. Баумана, 5"',
].join('\r\n');

const SPANISH = [
  'Nombre;Apellidos;Empresa;Teléfono;Notas',
  'José;Núñez García;Construcciones Peña S.L.;912345678;Cliente desde 2019 – pagos puntuales',
  'Begoña;Ibáñez;;622112233;Prefiere WhatsApp',
  'François;Lefèvre;Hôtel Ærø;;«très bien», à bientôt',
].join('\r\n');

const GERMAN =
  'Name;Straße;Ort\r\nJürgen Müller;Königstraße 5;Düsseldorf\r\nGroß;Weißdornweg 12;Köln\r\n';

describe('detectEncoding', () => {
  it('reads a BOM first', () => {
    expect(detectEncoding(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('utf-8-bom');
    expect(detectEncoding(new Uint8Array([0xff, 0xfe, 0x61, 0x00]))).toBe('utf-16le');
    expect(detectEncoding(new Uint8Array([0xfe, 0xff, 0x00, 0x61]))).toBe('utf-16be');
  });

  it('takes valid UTF-8 without a BOM as UTF-8, Russian or Spanish', () => {
    expect(detectEncoding(new TextEncoder().encode(RUSSIAN))).toBe('utf-8');
    expect(detectEncoding(new TextEncoder().encode(SPANISH))).toBe('utf-8');
    expect(detectEncoding(new TextEncoder().encode('name,phone\nAna,+34600123456\n'))).toBe(
      'utf-8',
    );
  });

  it('forgives a character cut in two at the end of the sample, not one in the middle', () => {
    const bytes = new TextEncoder().encode(`${RUSSIAN}Ж`);
    expect(detectEncoding(bytes.subarray(0, bytes.length - 1))).toBe('utf-8');
    const broken = Uint8Array.from([...bytes.subarray(0, 10), 0xd0, 0x41, ...bytes.subarray(10)]);
    expect(detectEncoding(broken)).not.toBe('utf-8');
  });

  it('tells Windows-1251 Russian from Windows-1252 Spanish, French and German', () => {
    expect(detectEncoding(encode(RUSSIAN, 'windows-1251'))).toBe('windows-1251');
    expect(detectEncoding(encode('Ёлкина;Ольга\r\n', 'windows-1251'))).toBe('windows-1251');
    expect(detectEncoding(encode(SPANISH, 'windows-1252'))).toBe('windows-1252');
    expect(detectEncoding(encode(GERMAN, 'windows-1252'))).toBe('windows-1252');
  });

  it('keeps Windows-1251 for a Russian file with Latin emails and company names', () => {
    const mixed = 'Имя;E-mail;Компания\r\nАнна Смирнова;anna@romashka.ru;Romashka Ltd\r\n';
    expect(detectEncoding(encode(mixed, 'windows-1251'))).toBe('windows-1251');
  });

  it('finds UTF-16 without a BOM by its zero bytes', () => {
    const le = Buffer.from('name\tphone\r\nAna\t+34600123456\r\n', 'utf16le');
    expect(detectEncoding(le)).toBe('utf-16le');
    expect(detectEncoding(Buffer.from(le).swap16())).toBe('utf-16be');
  });
});
