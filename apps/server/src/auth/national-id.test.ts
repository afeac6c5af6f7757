import { describe, expect, it } from 'vitest';
import { isWellFormedNationalId, parseNationalId } from './national-id.ts';
import { testPeople } from './test-people.ts';

// Vectors dated 31 December 2039 (individual number 999: born 2000–2039), so no one has them yet.
describe('parseNationalId', () => {
  it.each([
    ['31123999935', 'no-birth-number'],
    ['71123999929', 'no-d-number'],
    ['31523999918', 'no-h-number'],
    ['21869030039', 'no-synthetic'],
    ['45898515005', 'no-synthetic'],
    ['191212121212', 'se-personnummer'],
    ['203912310004', 'se-personnummer'],
    ['203912910001', 'se-coordination-number'],
  ])('recognises %s as a %s', (value, kind) => {
    expect(parseNationalId(value)).toBe(kind);
  });

  it.each([
    ['31123999936', 'a wrong second check digit'],
    ['31123999945', 'a wrong first check digit'],
    ['32123999935', 'a day that does not exist'],
    ['31133999935', 'a month that does not exist'],
    ['191212121213', 'a wrong Luhn digit'],
    ['191213121212', 'a month that does not exist'],
    ['3112399993', 'ten digits'],
    ['3112399993a', 'a letter'],
    ['311239-99935', 'a separator'],
    ['19121212-1212', 'a Swedish separator'],
    ['', 'nothing at all'],
  ])('refuses %s (%s)', (value) => {
    expect(parseNationalId(value)).toBeUndefined();
    expect(isWellFormedNationalId(value)).toBe(false);
  });

  it('refuses a Norwegian number whose check digit would have to be 10', () => {
    // Where 11 − (weighted sum mod 11) is 10 for k1 (or k2), no number has that prefix: among
    // one day's nine-digit prefixes some must therefore have no valid completion at all.
    const impossible = Array.from(
      { length: 1000 },
      (_, i) => `010100${String(i).padStart(3, '0')}`,
    ).filter((prefix) =>
      Array.from({ length: 100 }, (_, k) => `${prefix}${String(k).padStart(2, '0')}`).every(
        (value) => parseNationalId(value) === undefined,
      ),
    );
    expect(impossible.length).toBeGreaterThan(0);
  });

  it("accepts every test person's identity number", () => {
    for (const person of testPeople) {
      if (person.nationalId) expect(parseNationalId(person.nationalId), person.id).toBeDefined();
    }
  });
});
