import {
  createRemoteJWKSet,
  errors,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
  type RemoteJWKSetOptions,
} from 'jose';
import { type ExternalIdpConfig, isLoopbackHost } from './auth-config.ts';
import { AuthError } from './auth-errors.ts';
import type { KeySource } from './token-verifier.ts';

export interface RemoteKeySourceOptions {
  /** Per request to the discovery document and the JWKS; default 5 s. */
  timeoutMs?: number;
  /** How long fetched keys are trusted before a refetch; default 10 minutes. */
  cacheMaxAgeMs?: number;
}

/**
 * The keys of an external issuer (ID-porten, HelseID, a BankID broker), fetched over HTTPS.
 * Discovery (OpenID Connect Discovery 1.0 §4) happens at the first verification rather than at
 * start-up, so the server starts while the IdP is unreachable; a failed discovery is retried
 * by the next verification. An unknown `kid` makes jose refetch the JWKS (rate-limited), which
 * is how the issuer's key rotations are picked up.
 */
export class RemoteKeySource implements KeySource {
  readonly issuer: string;
  readonly #configuredJwksUri: string | undefined;
  readonly #timeoutMs: number;
  readonly #jwksOptions: RemoteJWKSetOptions;
  #jwks: Promise<RemoteJWKSet> | undefined;

  constructor(idp: ExternalIdpConfig, options: RemoteKeySourceOptions = {}) {
    this.issuer = idp.issuer;
    this.#configuredJwksUri = idp.jwksUri;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#jwksOptions = {
      timeoutDuration: this.#timeoutMs,
      cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    };
  }

  readonly keySet: JWTVerifyGetKey = async (header, token) => {
    const jwks = await this.#resolveJwks();
    try {
      return await jwks(header, token);
    } catch (error) {
      // No key for this kid/alg is the token's problem; anything else is the IdP's.
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      throw new AuthError('idp-unavailable', 'fetching the JWKS failed', { cause: error });
    }
  };

  #resolveJwks(): Promise<RemoteJWKSet> {
    this.#jwks ??= this.#discoverJwksUri().then(
      (uri) => createRemoteJWKSet(new URL(uri), this.#jwksOptions),
      (error: unknown) => {
        this.#jwks = undefined;
        throw error;
      },
    );
    return this.#jwks;
  }

  async #discoverJwksUri(): Promise<string> {
    if (this.#configuredJwksUri) return this.#configuredJwksUri;
    // "any terminating / MUST be removed before appending /.well-known/openid-configuration"
    const url = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (error) {
      throw new AuthError('idp-unavailable', 'fetching the discovery document failed', {
        cause: error,
      });
    }
    // §4.3: the issuer in the document must be the one it was fetched for.
    if (document.issuer !== this.issuer) {
      throw new AuthError('idp-unavailable', 'the discovery document names another issuer');
    }
    const jwksUri = typeof document.jwks_uri === 'string' ? URL.parse(document.jwks_uri) : null;
    if (
      !jwksUri ||
      (jwksUri.protocol !== 'https:' &&
        !(jwksUri.protocol === 'http:' && isLoopbackHost(jwksUri.hostname)))
    ) {
      throw new AuthError('idp-unavailable', 'the discovery document has no usable jwks_uri');
    }
    return jwksUri.href;
  }
}
