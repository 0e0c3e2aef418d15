import { describe, expect, it } from 'vitest';
import {
  nameMatchKey,
  nameSimilarity,
  normaliseName,
  sameName,
  transliterate,
} from '../../../../core/duplicates/names.ts';

describe('transliterate', () => {
  it.each([
    ['Юлия', 'iuliia'],
    ['Щукин', 'shchukin'],
    ['Хабибуллин', 'khabibullin'],
    ['Цветкова', 'tsvetkova'],
    ['Жанна', 'zhanna'],
    ['Фёдор', 'fedor'],
    ['Андрей Соловьёв', 'andrei solovev'],
    ['Объект', 'obieekt'],
    ['Рыбаков', 'rybakov'],
    ['Наталья', 'natalia'],
    ['Эдуард', 'eduard'],
    ['ЯНА ЧЕРНЫХ', 'iana chernykh'],
  ])('reads Russian %s as the passport spelling %s', (text, latin) => {
    expect(transliterate(text)).toBe(latin);
  });

  it('reads Ukrainian text with its own г and и', () => {
    expect(transliterate('Сергій')).toBe('serhii');
    expect(transliterate('Юлія Ткаченко')).toBe('iuliia tkachenko');
    expect(transliterate('Євген Ґудзь')).toBe('ievhen gudz');
    expect(transliterate('Мар’яна Її')).toBe('mariana ii');
  });

  it.each([
    ['José García-Núñez', 'jose garcia nunez'],
    ['Straße Weiß', 'strasse weiss'],
    ['Søren Jørgensen', 'soren jorgensen'],
    ['Æsir Œuvre', 'aesir oeuvre'],
    ['Łukasz Wójcik', 'lukasz wojcik'],
    ['Đorđe', 'dorde'],
    ['Yılmaz İsmail', 'yilmaz ismail'],
    ['Çağrı Şahin', 'cagri sahin'],
    ["Michael O'Brien", 'michael obrien'],
    ['  Ana   «García»  ', 'ana garcia'],
    ['Acme 2.0!', 'acme 2 0'],
  ])('folds %s to %s', (text, latin) => {
    expect(transliterate(text)).toBe(latin);
  });

  it('is empty for punctuation only', () => {
    expect(transliterate(' -- ')).toBe('');
  });
});

describe('normaliseName', () => {
  it.each([
    ['Dr. Iván J. Pérez', ['ivan', 'perez']],
    ['Mr John Smith Jr.', ['john', 'smith']],
    ['Sra. María López', ['maria', 'lopez']],
    ['г-н Иван Петров', ['ivan', 'petrov']],
    ['г-жа Анна Петрова', ['anna', 'petrova']],
    ['Frau Prof. Dr. Monika Weber', ['monika', 'weber']],
    ['Henry Ford III', ['henry', 'ford']],
    ['Mme Élodie Mercier', ['elodie', 'mercier']],
    ['Md. Rahman', ['md', 'rahman']],
    ['', []],
    ['J. K.', []],
  ])('%s → %j', (name, words) => {
    expect(normaliseName(name)).toEqual(words);
  });
});

describe('nameMatchKey', () => {
  it('is the same for swapped first and last names', () => {
    expect(nameMatchKey('Ana García')).toBe(nameMatchKey('García, Ana'));
    expect(nameMatchKey('Wang Wei')).toBe(nameMatchKey('Wei Wang'));
  });

  it.each([
    ['Ana García', 'Anna Garcia'],
    ['Юлия Иванова', 'Iuliia Ivanova'],
    ['Юлия Иванова', 'Yulia Ivanova'],
    ['Юлия Иванова', 'Julia Ivanova'],
    ['Julija Iwanowa', 'Yuliya Ivanova'],
    ['Александр Смирнов', 'Alexander Smirnov'],
    ['Aleksandr Smirnov', 'Alexander Smirnov'],
    ['Jose Martin', 'José Martín'],
    ['Mohammed Ali', 'Muhammad Ali'],
    ['Mohamed Ali', 'Mohammad Ali'],
    ['Евгений Лебедев', 'Yevgeny Lebedev'],
    ['Dmitry Sokolov', 'Dmitrii Sokolov'],
    ['Фёдор Зайцев', 'Fyodor Zaytsev'],
    ['Jürgen Müller', 'Juergen Mueller'],
    ['Ivan Ivanovich Petrov', 'Petrov Ivan'],
    ['João da Silva', 'Joao Silva'],
    ['Mohammed Al-Sayed', 'Muhammad Alsayed'],
  ])('agrees on %s and %s', (a, b) => {
    expect(nameMatchKey(a)).not.toBeNull();
    expect(nameMatchKey(a)).toBe(nameMatchKey(b));
  });

  it('is built from sorted Double Metaphone codes', () => {
    expect(nameMatchKey('Ana García')).toBe('AN KRS');
    expect(nameMatchKey('Юлия Иванова')).toBe('AFNF AL');
  });

  it('differs for different surnames', () => {
    expect(nameMatchKey('Ana García')).not.toBe(nameMatchKey('Ana Garrido'));
    expect(nameMatchKey('Ivan Petrov')).not.toBe(nameMatchKey('Ivan Sokolov'));
  });

  it('is null without two usable words', () => {
    for (const name of [null, undefined, '', '   ', 'Ana', 'Dr. Smith', 'J. K.', '—']) {
      expect(nameMatchKey(name)).toBeNull();
    }
  });
});

describe('nameSimilarity', () => {
  it('scores spelling variants high', () => {
    expect(nameSimilarity('Ana García', 'Anna Garcia')).toBeGreaterThan(0.94);
    expect(nameSimilarity('Ana García', 'Anna Garcia')).toBeLessThan(1);
  });

  it('scores swapped names like the written order', () => {
    expect(nameSimilarity('García Ana', 'Ana García')).toBe(1);
    expect(nameSimilarity('Petrov Ivan', 'Ivan Petrov')).toBe(1);
  });

  it('is 1 for equal names, 0 for an empty one, and symmetric', () => {
    expect(nameSimilarity('Юлия Иванова', 'iuliia ivanova')).toBe(1);
    expect(nameSimilarity('', 'Ana')).toBe(0);
    expect(nameSimilarity('Ana Martín', 'Marta Martínez')).toBe(
      nameSimilarity('Marta Martínez', 'Ana Martín'),
    );
  });

  it('scores different names lower', () => {
    expect(nameSimilarity('Ana García', 'Pedro Sokolov')).toBeLessThan(0.6);
  });
});

describe('sameName', () => {
  it.each([
    ['Ana García', 'Anna Garcia'],
    ['García, Ana', 'Anna Garcia'],
    ['Юлия Иванова', 'Julia Ivanova'],
    ['Iuliia Ivanova', 'Ivanova Yulia'],
    ['Aleksandr Pushkin', 'Alexander Pushkin'],
    ['Ivan Ivanovich Petrov', 'Petrov Ivan'],
    ['Смирнов Александр Сергеевич', 'Alexander Smirnov'],
    ['Mohammed Rahman', 'Muhammad Rahman'],
    ['John Smith', 'Jon Smtih'],
    ['Sebastian Müller', 'Sebastain Muller'],
    ['Katarzyna Nowak', 'Katarzyan Nowak'],
    ['Patricia Moreno', 'Patrica Moreno'],
    ['Carmen Navarro Ruiz', 'Carmen Navarro'],
    ['Mr. David Williams', 'David Williams'],
  ])('matches %s and %s', (a, b) => {
    const result = sameName(a, b);
    expect(result.similar).toBe(true);
    expect(result.score).toBeGreaterThan(0.8);
    expect(result.score).toBeLessThanOrEqual(1);
  });

  it.each([
    ['Maria Lopez', 'Mario Lopez', 'gendered first name'],
    ['Alexander Ivanov', 'Alexandra Ivanova', 'gendered forms'],
    ['Ivan Petrov', 'Ivan Petrova', 'gendered surname: relatives'],
    ['Jan Kowalski', 'Jan Kowalska', 'gendered Polish surname'],
    ['Louis Martin', 'Louise Martin', 'French feminine -e'],
    ['Elena Rossi', 'Elena Rosso', 'another final vowel'],
    ['Ahmed Hassan', 'Ahmed Hassani', 'an ending added'],
    ['John Smith', 'Jane Smith', 'different first name'],
    ['Ana García', 'Ana Garrido', 'different surname'],
    ['Ana Martín', 'Ana Martínez', 'a surname extended'],
    ['Ivan Petrov', 'Ivan Petrenko', 'a surname extended'],
    ['Ivan Petrov', 'Petr Ivanov', 'crossed roots'],
    ['Liu Yang', 'Liu Yan', 'short words must be equal'],
    ['Chen Jie', 'Chen Jia', 'short words must be equal'],
    ['Alex Ivanov', 'Alexander Ivanov', 'nickname'],
    ['Ana', 'Ana García', 'one word'],
    ['Maria', 'Maria', 'one word'],
    ['Dr. Smith', 'John Smith', 'initial-less title'],
    ['', 'Ana García', 'empty'],
  ])('keeps %s and %s apart (%s)', (a, b) => {
    expect(sameName(a, b).similar).toBe(false);
  });

  it('allows one typo that changes how a word sounds per name, not two', () => {
    expect(sameName('Fernando Castillo', 'Fernado Castillo').similar).toBe(true);
    expect(sameName('Fernando Castillo', 'Fernando Catsillo').similar).toBe(true);
    expect(sameName('Fernando Castillo', 'Fernado Catsillo').similar).toBe(false);
  });

  it('takes a typo in the last letter for another name', () => {
    expect(sameName('Fernando Castillo', 'Fernando Castilla').similar).toBe(false);
  });

  it('raises the score of a match with extra words to that of the matched words', () => {
    expect(sameName('Ivan Ivanovich Petrov', 'Petrov Ivan').score).toBe(1);
    expect(nameSimilarity('Ivan Ivanovich Petrov', 'Petrov Ivan')).toBeLessThan(0.8);
  });

  it('returns the plain similarity when names differ', () => {
    expect(sameName('John Smith', 'Jane Smith').score).toBe(
      nameSimilarity('John Smith', 'Jane Smith'),
    );
  });
});
