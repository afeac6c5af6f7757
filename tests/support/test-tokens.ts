import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { KeySource } from '../../apps/server/src/auth/token-verifier.ts';

export const TEST_ISSUER = 'https://idp.test.invalid';
export const TEST_AUDIENCE = 'skjerm';

export interface TestPerson {
  sub: string;
  name: string;
  skjerm_role: string;
  pid?: string;
  acr?: string;
}

/** An issuer for tests: one ES256 key, its public JWKS, and tokens for any claims. */
export class TestIssuer {
  readonly jwks: { keys: JWK[] };
  readonly #privateKey: CryptoKey;

  private constructor(privateKey: CryptoKey, publicJwk: JWK) {
    this.#privateKey = privateKey;
    this.jwks = { keys: [publicJwk] };
  }

  static async create(): Promise<TestIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'ES256', use: 'sig' };
    return new TestIssuer(privateKey, jwk);
  }

  token(
    person: TestPerson,
    options: { expiresIn?: string; issuer?: string; audience?: string } = {},
  ) {
    return new SignJWT({ ...person })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1', typ: 'JWT' })
      .setIssuer(options.issuer ?? TEST_ISSUER)
      .setAudience(options.audience ?? TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(this.#privateKey);
  }
}

export const people = {
  clinician: { sub: 'clinician-1', name: 'Dr. Kari Nordmann', skjerm_role: 'clinician' },
  // Synthetic test identity numbers (mod-11 valid), never real people.
  patient: {
    sub: 'patient-1',
    name: 'Ola Pasient',
    skjerm_role: 'patient',
    pid: '12838540056',
    acr: 'idporten-loa-high',
  },
  lowAssurancePatient: {
    sub: 'patient-2',
    name: 'Per Substansiell',
    skjerm_role: 'patient',
    pid: '12838540056',
    acr: 'idporten-loa-substantial',
  },
  secondPatient: {
    sub: 'patient-3',
    name: 'Kari Pasient',
    skjerm_role: 'patient',
    pid: '12838540137',
    acr: 'idporten-loa-high',
  },
  thirdPatient: {
    sub: 'patient-4',
    name: 'Nils Pasient',
    skjerm_role: 'patient',
    pid: '12838540218',
    acr: 'idporten-loa-high',
  },
  secondClinician: { sub: 'clinician-2', name: 'Dr. Ola Hansen', skjerm_role: 'clinician' },
  interpreter: { sub: 'interpreter-1', name: 'Tolk Tolkesen', skjerm_role: 'interpreter' },
} satisfies Record<string, TestPerson>;

/** The issuer's keys in process: what the server's TokenVerifier checks tokens against. */
export function testKeySource(issuer: TestIssuer): KeySource {
  return { issuer: TEST_ISSUER, keySet: createLocalJWKSet(issuer.jwks) };
}
