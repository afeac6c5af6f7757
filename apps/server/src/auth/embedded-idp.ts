import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { type ClaimMapping, embeddedIdpAlgorithm } from './auth-config.ts';
import {
  defaultClaimMapping,
  embeddedIdpPrefix,
  idpProviderConfiguration,
  idpTtlSeconds,
} from './idp-provider-config.ts';
import { registerIdpRoutes } from './idp-routes.ts';
import { IdpStore } from './idp-store.ts';
import { SigningKeyRing } from './signing-key-ring.ts';
import { type TestPerson, testPeople } from './test-people.ts';
import type { KeySource } from './token-verifier.ts';

export interface EmbeddedIdpOptions {
  /**
   * The issuer, `https://<host>:<port>/idp`. Pass a function when the port is known only once
   * the server listens (port 0): it is called at the first request or use of `issuer`.
   */
  issuer: string | (() => string);
  /** The access tokens' `aud`: what TokenVerifier expects (SKJERM_OIDC_AUDIENCE). */
  audience: string;
  /** The web app's redirect URIs; empty = the issuer's origin + '/'. */
  /** A function when the server's origin is known only after listen() (port 0). */
  redirectUris: string[] | (() => string[]);
  log: Logger;
  /** Default 24 hours; must exceed the access-token lifetime (1 hour). */
  keyRotationIntervalMs?: number;
  /** Claim names to emit; pass the verifier's mapping so the two agree. */
  claims?: ClaimMapping;
  people?: readonly TestPerson[];
}

/**
 * Mounts the embedded OpenID provider (the certified `oidc-provider`) under /idp of the
 * server's own HTTPS listener, with its sign-in page. Returns the handle the server keeps: its
 * issuer and in-process key set (for TokenVerifier: fetching the JWKS over HTTPS would trip on
 * the self-signed certificate), key rotation and the test people. Closing the app closes it.
 */
export async function registerEmbeddedIdp(
  app: FastifyInstance,
  options: EmbeddedIdpOptions,
): Promise<EmbeddedIdp> {
  const keys = await SigningKeyRing.create(embeddedIdpAlgorithm);
  const idp = new EmbeddedIdp(keys, options);
  await app.register(async (scope) => registerIdpRoutes(scope, idp), {
    prefix: embeddedIdpPrefix,
  });
  app.addHook('onClose', async () => idp.close());
  return idp;
}

/**
 * The IdP's state: signing keys, storage and the oidc-provider instance built from them. The
 * provider takes its keys at construction, so a rotation builds a new one over the same store
 * and cookie keys; requests already in flight finish on the old one.
 */
export class EmbeddedIdp implements KeySource {
  readonly testPeople: readonly TestPerson[];
  readonly audience: string;
  readonly #keys: SigningKeyRing;
  readonly #store = new IdpStore();
  readonly #cookieKeys = [randomBytes(32).toString('base64url')];
  readonly #issuerOption: string | (() => string);
  readonly #redirectUris: string[] | (() => string[]);
  readonly #claims: ClaimMapping;
  readonly #log: Logger;
  readonly #rotationTimer: NodeJS.Timeout;
  #issuer: string | undefined;
  #provider: { provider: Provider; handle: ReturnType<Provider['callback']> } | undefined;
  #closed = false;

  constructor(keys: SigningKeyRing, options: EmbeddedIdpOptions) {
    this.#keys = keys;
    this.#issuerOption = options.issuer;
    this.audience = options.audience;
    this.#redirectUris = options.redirectUris;
    this.#claims = options.claims ?? defaultClaimMapping;
    this.#log = options.log;
    this.testPeople = options.people ?? testPeople;
    const interval = options.keyRotationIntervalMs ?? 24 * 3_600_000;
    if (interval <= idpTtlSeconds.AccessToken * 1000) {
      throw new RangeError('keyRotationIntervalMs must exceed the access-token lifetime (1 h)');
    }
    this.#rotationTimer = setInterval(() => {
      this.rotateKeys().catch((error: unknown) => {
        this.#log.error({ err: error }, 'rotating the embedded IdP signing key failed');
      });
    }, interval);
    this.#rotationTimer.unref();
  }

  get issuer(): string {
    this.#issuer ??= checkIssuer(
      typeof this.#issuerOption === 'function' ? this.#issuerOption() : this.#issuerOption,
    );
    return this.#issuer;
  }

  /** Resolves a token's key in process; the same keys are served publicly at /idp/jwks. */
  readonly keySet: JWTVerifyGetKey = (header, token) => this.#keys.keySet(header, token);

  get publicJwks(): JSONWebKeySet {
    return this.#keys.publicJwks;
  }

  /** The key id new tokens are signed with. */
  get currentKid(): string {
    return this.#keys.currentKid;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Signs with a new key from now on; the previous key stays published until the next one. */
  async rotateKeys(): Promise<void> {
    if (this.#closed) return;
    await this.#keys.rotate();
    if (this.#provider) this.#provider = this.#buildProvider();
    this.#log.info({ kid: this.#keys.currentKid }, 'embedded IdP signing key rotated');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#rotationTimer);
  }

  /** The current oidc-provider instance, built at first use (when the issuer is known). */
  get provider(): Provider {
    this.#provider ??= this.#buildProvider();
    return this.#provider.provider;
  }

  /** Hands a raw request to oidc-provider, with the mount prefix stripped as it expects. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.#provider ??= this.#buildProvider();
    const { handle } = this.#provider;
    const url = request.url ?? '/';
    const mounted = request as IncomingMessage & { originalUrl?: string };
    // oidc-provider derives its mount path from originalUrl minus url, as under express.
    mounted.originalUrl = url;
    mounted.url = url.slice(embeddedIdpPrefix.length) || '/';
    try {
      await handle(mounted, response);
    } finally {
      mounted.url = url;
    }
  }

  #buildProvider(): { provider: Provider; handle: ReturnType<Provider['callback']> } {
    const provider = new Provider(
      this.issuer,
      idpProviderConfiguration({
        issuer: this.issuer,
        audience: this.audience,
        redirectUris:
          typeof this.#redirectUris === 'function' ? this.#redirectUris() : this.#redirectUris,
        claims: this.#claims,
        testPeople: this.testPeople,
        jwks: this.#keys.privateJwks,
        cookieKeys: this.#cookieKeys,
        adapter: this.#store.adapterFor,
      }),
    );
    provider.on('server_error', (_ctx, error) => {
      this.#log.error({ err: error }, 'embedded IdP server error');
    });
    const logRefusal = (_ctx: KoaContextWithOIDC, error: Error) => {
      this.#log.info({ error: error.message }, 'embedded IdP refused a request');
    };
    provider.on('authorization.error', logRefusal);
    provider.on('grant.error', logRefusal);
    // Koa prints errors nobody listens for to stderr; send them to our log instead. (Its
    // 'error' event is not in oidc-provider's typed event map.)
    (provider as unknown as NodeJS.EventEmitter).on('error', (error: Error) => {
      this.#log.warn({ err: error }, 'embedded IdP request failed');
    });
    return { provider, handle: provider.callback() };
  }
}

/** The issuer must be an https URL whose path is the mount prefix. */
function checkIssuer(issuer: string): string {
  const url = URL.parse(issuer);
  if (url?.protocol !== 'https:' || url.pathname !== embeddedIdpPrefix) {
    throw new TypeError(
      `embedded IdP issuer must be https://<host>[:<port>]${embeddedIdpPrefix}, got ${issuer}`,
    );
  }
  return issuer;
}
