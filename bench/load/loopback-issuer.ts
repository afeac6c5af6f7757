import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** The claims Skjerm maps by default (see SKJERM_CLAIM_* in the server's configuration). */
export interface PersonClaims {
  sub: string;
  name: string;
  skjerm_role: string;
  pid?: string;
  acr?: string;
}

const KEY_ID = 'bench-1';

/**
 * An OpenID issuer on 127.0.0.1 for the load generator: the discovery document and JWKS the
 * server fetches (plain http is accepted on loopback only), and ES256 tokens for any person, so
 * a run can sign in hundreds of distinct people without a browser or the embedded IdP's fixed
 * cast.
 */
export class LoopbackIssuer {
  readonly issuer: string;
  readonly #server: Server;
  readonly #privateKey: CryptoKey;
  readonly #audience: string;

  private constructor(server: Server, issuer: string, privateKey: CryptoKey, audience: string) {
    this.#server = server;
    this.issuer = issuer;
    this.#privateKey = privateKey;
    this.#audience = audience;
  }

  static async start(audience = 'skjerm'): Promise<LoopbackIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = {
      keys: [{ ...(await exportJWK(publicKey)), kid: KEY_ID, alg: 'ES256', use: 'sig' }],
    };
    let issuer = '';
    const server = createServer((request, response) => {
      const body =
        request.url === '/.well-known/openid-configuration'
          ? { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }
          : request.url === '/jwks'
            ? jwks
            : undefined;
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? { error: 'not found' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new LoopbackIssuer(server, issuer, privateKey, audience);
  }

  token(person: PersonClaims): Promise<string> {
    return new SignJWT({ ...person })
      .setProtectedHeader({ alg: 'ES256', kid: KEY_ID, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.#audience)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(this.#privateKey);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
  }
}
