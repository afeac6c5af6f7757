/**
 * Shape checks for the national identity numbers identity providers put in tokens: the
 * Norwegian fødselsnummer and its variants (11 digits, two mod-11 check digits) and the Swedish
 * personnummer (12 digits, Luhn check digit). A well-formed number is not proof that the person
 * exists; it catches a mis-mapped claim (an HPR number or a pairwise `sub` where the identity
 * number should be) before it reaches a patient record.
 */

export type NationalIdKind =
  /** Norwegian fødselsnummer. */
  | 'no-birth-number'
  /** Norwegian D-nummer (day + 40), for people without a fødselsnummer. */
  | 'no-d-number'
  /** Norwegian H-nummer (month + 40), a health-sector help number; also used by NAV test data. */
  | 'no-h-number'
  /** Norwegian synthetic test number (month + 80, Skatteetaten's Tenor test data). */
  | 'no-synthetic'
  /** Swedish personnummer. */
  | 'se-personnummer'
  /** Swedish samordningsnummer (day + 60). */
  | 'se-coordination-number';

/** What kind of national identity number `value` is, or undefined when it is malformed. */
export function parseNationalId(value: string): NationalIdKind | undefined {
  if (/^\d{11}$/.test(value)) return parseNorwegian(value);
  if (/^\d{12}$/.test(value)) return parseSwedish(value);
  return undefined;
}

export function isWellFormedNationalId(value: string): boolean {
  return parseNationalId(value) !== undefined;
}

// Weights of the two mod-11 check digits (Skatteetaten, "Fødselsnummer": k1 over the nine
// first digits, k2 over those and k1).
const norwegianK1Weights = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const norwegianK2Weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function parseNorwegian(value: string): NationalIdKind | undefined {
  const digits = [...value].map(Number);
  // Numbers issued under the 2032 scheme (a relaxed first check digit) are not accepted yet.
  const k1 = mod11CheckDigit(digits, norwegianK1Weights);
  const k2 = mod11CheckDigit(digits, norwegianK2Weights);
  if (k1 !== digits[9] || k2 !== digits[10]) return undefined;

  let day = Number(value.slice(0, 2));
  let month = Number(value.slice(2, 4));
  let kind: NationalIdKind = 'no-birth-number';
  if (day > 40) {
    day -= 40;
    kind = 'no-d-number';
  }
  if (month > 80) {
    month -= 80;
    kind = 'no-synthetic';
  } else if (month > 40) {
    month -= 40;
    if (kind === 'no-birth-number') kind = 'no-h-number';
  }
  return isPlausibleDayOfMonth(day, month) ? kind : undefined;
}

/** 11 − (weighted sum mod 11), where 11 means 0 and 10 means "no valid number has this". */
function mod11CheckDigit(digits: number[], weights: number[]): number | undefined {
  const sum = weights.reduce((total, weight, i) => total + weight * (digits[i] ?? 0), 0);
  const digit = 11 - (sum % 11);
  if (digit === 11) return 0;
  return digit === 10 ? undefined : digit;
}

function parseSwedish(value: string): NationalIdKind | undefined {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  let day = Number(value.slice(6, 8));
  let kind: NationalIdKind = 'se-personnummer';
  if (day > 60) {
    day -= 60;
    kind = 'se-coordination-number';
  }
  if (year < 1800 || !isPlausibleDayOfMonth(day, month)) return undefined;
  // The check digit covers the ten-digit form (YYMMDDNNNC), not the century.
  return hasValidLuhnDigit(value.slice(2)) ? kind : undefined;
}

function hasValidLuhnDigit(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[i]);
    // Every second digit counted from the check digit is doubled: with ten digits, the even ones.
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Day within the month's longest length; the century (and so leap years) is not checked. */
function isPlausibleDayOfMonth(day: number, month: number): boolean {
  const longest = longestMonth[month - 1];
  return longest !== undefined && day >= 1 && day <= longest;
}
