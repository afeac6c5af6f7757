import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { SigningAlgorithm } from './auth-config.ts';

/** A signing key as a private JWK with `kid`, `alg` and `use`, the form oidc-provider takes. */
export type PrivateSigningJwk = JWK & { kid: string; alg: SigningAlgorithm; use: 'sig' };

/**
 * The embedded IdP's signing keys: the current one, which signs, and the one before it, still
 * published so that tokens signed just before a rotation verify until they expire. A rotation
 * interval longer than the token lifetime is therefore enough; a key two rotations old is gone.
 */
export class SigningKeyRing {
  readonly algorithm: SigningAlgorithm;
  #current: PrivateSigningJwk;
  #previous: PrivateSigningJwk | undefined;
  #localKeySet: JWTVerifyGetKey;

  private constructor(algorithm: SigningAlgorithm, first: PrivateSigningJwk) {
    this.algorithm = algorithm;
    this.#current = first;
    this.#localKeySet = createLocalJWKSet(this.publicJwks);
  }

  static async create(algorithm: SigningAlgorithm): Promise<SigningKeyRing> {
    return new SigningKeyRing(algorithm, await generateSigningJwk(algorithm));
  }

  /** Makes a new current key; the current one becomes the previous, the previous is dropped. */
  async rotate(): Promise<void> {
    const next = await generateSigningJwk(this.algorithm);
    this.#previous = this.#current;
    this.#current = next;
    this.#localKeySet = createLocalJWKSet(this.publicJwks);
  }

  get currentKid(): string {
    return this.#current.kid;
  }

  /** Private keys, signing key first (oidc-provider signs with the first matching key). */
  get privateJwks(): { keys: PrivateSigningJwk[] } {
    return { keys: this.#previous ? [this.#current, this.#previous] : [this.#current] };
  }

  get publicJwks(): JSONWebKeySet {
    return { keys: this.privateJwks.keys.map(publicPart) };
  }

  /** Resolves a token's key in process, with no HTTP fetch (for TokenVerifier). */
  readonly keySet: JWTVerifyGetKey = (header, token) => this.#localKeySet(header, token);
}

async function generateSigningJwk(algorithm: SigningAlgorithm): Promise<PrivateSigningJwk> {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: algorithm, use: 'sig' };
}

const privateMembers = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

function publicPart(jwk: PrivateSigningJwk): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !privateMembers.has(name)));
}
