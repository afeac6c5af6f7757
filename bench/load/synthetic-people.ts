import type { PersonClaims } from './loopback-issuer.ts';

/** Who takes part in a load-test room, by what the booking makes of them. */
export type MemberRole = 'host' | 'clinician' | 'patient' | 'relative' | 'interpreter';

// Skatteetaten's mod-11 weights for the two check digits of a fødselsnummer.
const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function checkDigit(digits: readonly number[], weights: readonly number[]): number | undefined {
  const sum = weights.reduce((total, weight, i) => total + weight * (digits[i] ?? 0), 0);
  const digit = 11 - (sum % 11);
  return digit === 11 ? 0 : digit === 10 ? undefined : digit;
}

/**
 * The `index`-th synthetic Norwegian identity number in Tenor's test range (month + 80, which
 * no real person is given), with valid check digits; distinct for the first 16,800 indexes.
 */
export function syntheticNationalId(index: number): string {
  const day = 1 + (index % 28);
  const month = 81 + (Math.floor(index / 28) % 12);
  const year = 50 + (Math.floor(index / 336) % 50);
  const date = [day, month, year].map((n) => String(n).padStart(2, '0')).join('');
  // About one individual number in eleven has no valid first check digit: try the next one.
  for (let individual = (index * 37) % 1000, tries = 0; tries < 1000; tries++) {
    const body = `${date}${String(individual).padStart(3, '0')}`;
    const digits = [...body].map(Number);
    const k1 = checkDigit(digits, K1_WEIGHTS);
    const k2 = k1 === undefined ? undefined : checkDigit([...digits, k1], K2_WEIGHTS);
    if (k1 !== undefined && k2 !== undefined) return `${body}${k1}${k2}`;
    individual = (individual + 1) % 1000;
  }
  throw new Error(`no valid identity number for index ${index}`);
}

/**
 * A made-up person for a role, `label` making the subject unique; patients get identity number
 * `nationalIdIndex` and high assurance.
 */
export function syntheticPerson(
  role: MemberRole,
  label: string,
  nationalIdIndex: number,
): PersonClaims {
  switch (role) {
    case 'host':
    case 'clinician':
      return { sub: `bench-${label}`, name: `Dr. ${label}`, skjerm_role: 'clinician' };
    case 'patient':
      return {
        sub: `bench-${label}`,
        name: `Patient ${label}`,
        skjerm_role: 'patient',
        pid: syntheticNationalId(nationalIdIndex),
        acr: 'idporten-loa-high',
      };
    case 'relative':
      return { sub: `bench-${label}`, name: `Relative ${label}`, skjerm_role: 'relative' };
    case 'interpreter':
      return { sub: `bench-${label}`, name: `Interpreter ${label}`, skjerm_role: 'interpreter' };
  }
}
