import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthConfig,
  authConfigSchema,
  type RawAuthConfig,
  readAuthConfig,
} from './auth-config.ts';
import { AuthError, type AuthErrorCode } from './auth-errors.ts';
import { RemoteKeySource } from './remote-key-source.ts';
import { type KeySource, TokenVerifier } from './token-verifier.ts';

const issuer = 'https://idp.skjerm.test/';
const audience = 'skjerm';
const patientId = '21869030039';

interface SigningKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;

async function makeKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

beforeAll(async () => {
  rsa = await makeKey('RS256', 'rsa-1');
  ec = await makeKey('ES256', 'ec-1');
  stranger = await makeKey('RS256', 'rsa-1');
});

function config(overrides: Partial<RawAuthConfig> = {}): AuthConfig {
  const defaults = Value.Default(authConfigSchema, {}) as RawAuthConfig;
  return readAuthConfig({ ...defaults, SKJERM_OIDC_ISSUER: issuer, ...overrides });
}

function localSource(): KeySource {
  return { issuer, keySet: createLocalJWKSet({ keys: [rsa.publicJwk, ec.publicJwk] }) };
}

const now = () => Math.floor(Date.now() / 1000);

const patientClaims = (): JWTPayload => ({
  sub: 'pairwise-subject-1',
  name: 'Ingrid Berg',
  skjerm_role: 'patient',
  pid: patientId,
  acr: 'idporten-loa-high',
});

async function sign(
  claims: JWTPayload,
  options: { key?: SigningKey; alg?: string; iss?: string; aud?: string; exp?: number } = {},
) {
  const key = options.key ?? rsa;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 600)
    .sign(key.privateKey);
}

/** The AuthError a verification fails with (the test fails if it succeeds). */
async function refusal(token: string, verifier = new TokenVerifier(config(), localSource())) {
  const error = await verifier.verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AuthError);
  const authError = error as AuthError;
  // Whatever the reason, the message names neither the token nor the identity number.
  expect(authError.message).not.toContain(patientId);
  if (token) expect(authError.message).not.toContain(token);
  return authError;
}

async function expectRefused(token: string, code: AuthErrorCode, verifier?: TokenVerifier) {
  expect((await refusal(token, verifier)).code).toBe(code);
}

describe('TokenVerifier', () => {
  it('accepts a patient signed in with high assurance', async () => {
    const exp = now() + 600;
    const identity = await new TokenVerifier(config(), localSource()).verify(
      await sign(patientClaims(), { exp }),
    );
    expect(identity).toEqual({
      issuer,
      subject: 'pairwise-subject-1',
      name: 'Ingrid Berg',
      role: 'patient',
      nationalId: patientId,
      assurance: 'idporten-loa-high',
      expiresAt: exp * 1000,
    });
  });

  it('maps HelseID-style claims for a clinician, with the default role standing in', async () => {
    const helseId = config({
      SKJERM_CLAIM_NATIONAL_ID: 'helseid://claims/identity/pid',
      SKJERM_CLAIM_ASSURANCE: 'helseid://claims/identity/assurance_level',
      SKJERM_DEFAULT_ROLE: 'clinician',
      SKJERM_OIDC_ALGORITHMS: 'RS256,PS256',
    });
    const token = await sign({
      sub: 'helseid-subject',
      name: 'Kari Nordmann',
      'helseid://claims/identity/pid': '14837510008',
      'helseid://claims/identity/assurance_level': 'high',
      'helseid://claims/hpr/hpr_number': '565501872',
    });
    await expect(new TokenVerifier(helseId, localSource()).verify(token)).resolves.toMatchObject({
      subject: 'helseid-subject',
      name: 'Kari Nordmann',
      role: 'clinician',
      nationalId: '14837510008',
      assurance: 'high',
    });
  });

  it('accepts a Swedish personnummer and an ES256 signature', async () => {
    const token = await sign({ ...patientClaims(), pid: '191212121212' }, { key: ec });
    await expect(new TokenVerifier(config(), localSource()).verify(token)).resolves.toMatchObject({
      nationalId: '191212121212',
    });
  });

  it('needs no assurance or identity number from an interpreter', async () => {
    const token = await sign({ sub: 'x', name: 'Amira Haddad', skjerm_role: 'interpreter' });
    const identity = await new TokenVerifier(config(), localSource()).verify(token);
    expect(identity).toMatchObject({ role: 'interpreter' });
    expect(identity).not.toHaveProperty('nationalId');
    expect(identity).not.toHaveProperty('assurance');
  });

  it('refuses an empty token as missing, and garbage as malformed', async () => {
    await expectRefused('', 'token-missing');
    await expectRefused('not-a-jwt', 'token-malformed');
    await expectRefused('a.b.c', 'token-malformed');
    const valid = await sign(patientClaims());
    await expectRefused(`${valid}.extra`, 'token-malformed');
  });

  it('refuses an expired token, but tolerates 30 s of clock skew', async () => {
    await expectRefused(await sign(patientClaims(), { exp: now() - 120 }), 'token-expired');
    const justExpired = await sign(patientClaims(), { exp: now() - 10 });
    await expect(
      new TokenVerifier(config(), localSource()).verify(justExpired),
    ).resolves.toBeTruthy();
  });

  it('refuses a token that is not valid yet', async () => {
    await expectRefused(
      await sign({ ...patientClaims(), nbf: now() + 120 }),
      'token-not-yet-valid',
    );
  });

  it('refuses a token from another issuer', async () => {
    await expectRefused(
      await sign(patientClaims(), { iss: 'https://evil.skjerm.test/' }),
      'token-issuer',
    );
  });

  it('refuses a token issued for another audience', async () => {
    await expectRefused(await sign(patientClaims(), { aud: 'another-api' }), 'token-audience');
  });

  it("refuses a signature made with a key that is not the issuer's, even under its kid", async () => {
    await expectRefused(await sign(patientClaims(), { key: stranger }), 'token-signature');
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await sign(patientClaims())).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...patientClaims(),
        skjerm_role: 'clinician',
        iss: issuer,
        aud: audience,
        exp: now() + 600,
      }),
    ).toString('base64url');
    await expectRefused(`${header}.${forged}.${signature}`, 'token-signature');
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const unknown = await makeKey('RS256', 'rsa-unknown');
    await expectRefused(await sign(patientClaims(), { key: unknown }), 'token-signature');
  });

  it("refuses an unsigned token (alg 'none')", async () => {
    const unsigned = new UnsecuredJWT(patientClaims())
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(now() + 600)
      .encode();
    await expectRefused(unsigned, 'token-algorithm');
  });

  it("refuses HS256 'signed' with the issuer's public key as the HMAC secret", async () => {
    const publicKey = await importJWK(rsa.publicJwk, 'RS256');
    const encodings = [
      await exportSPKI(publicKey as CryptoKey),
      JSON.stringify(rsa.publicJwk),
      rsa.publicJwk.n ?? '',
    ];
    for (const encoding of encodings) {
      const secret = new TextEncoder().encode(encoding);
      const forged = await new SignJWT(patientClaims())
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(now() + 600)
        .sign(secret);
      await expectRefused(forged, 'token-algorithm');
    }
  });

  it('refuses an algorithm the configuration does not list', async () => {
    const rsaOnly = new TokenVerifier(config({ SKJERM_OIDC_ALGORITHMS: 'RS256' }), localSource());
    await expectRefused(await sign(patientClaims(), { key: ec }), 'token-algorithm', rsaOnly);
  });

  it('refuses a patient who signed in with substantial assurance only', async () => {
    await expectRefused(
      await sign({ ...patientClaims(), acr: 'idporten-loa-substantial' }),
      'assurance-too-low',
    );
  });

  it('refuses a patient whose token states no assurance', async () => {
    const { acr: _, ...withoutAcr } = patientClaims();
    await expectRefused(await sign(withoutAcr), 'assurance-too-low');
  });

  it('accepts the assurance levels the configuration lists', async () => {
    const substantialToo = new TokenVerifier(
      config({ SKJERM_PATIENT_ASSURANCE_LEVELS: 'idporten-loa-high, idporten-loa-substantial' }),
      localSource(),
    );
    const token = await sign({ ...patientClaims(), acr: 'idporten-loa-substantial' });
    await expect(substantialToo.verify(token)).resolves.toMatchObject({ role: 'patient' });
  });

  it('refuses a malformed identity number without repeating it', async () => {
    const error = await refusal(await sign({ ...patientClaims(), pid: '21869030038' }));
    expect(error.code).toBe('token-claims');
    expect(error.message).toContain('pid');
    expect(error.message).not.toContain('21869030038');
  });

  it('refuses an identity number that is not a string', async () => {
    await expectRefused(await sign({ ...patientClaims(), pid: 21869030039 }), 'token-claims');
  });

  it('refuses a role it does not know', async () => {
    await expectRefused(await sign({ ...patientClaims(), skjerm_role: 'admin' }), 'token-claims');
  });

  it('refuses a token without a subject', async () => {
    const { sub: _, ...withoutSub } = patientClaims();
    await expectRefused(await sign(withoutSub), 'token-claims');
  });

  it('sends clients a code and message, and answers 401, 403 or 503', async () => {
    const error = await refusal(await sign(patientClaims(), { exp: now() - 120 }));
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'token-expired',
      message: error.message,
    });
    expect(error.statusCode).toBe(401);
    expect(new AuthError('assurance-too-low').statusCode).toBe(403);
    expect(new AuthError('idp-unavailable').statusCode).toBe(503);
  });
});

describe('TokenVerifier with keys discovered over HTTP', () => {
  let server: Server | undefined;

  /** A tiny IdP on 127.0.0.1 serving discovery and JWKS; `issuerOverride` lies in discovery. */
  async function serveIdp(options: { issuerOverride?: string } = {}) {
    const http = createServer((request, response) => {
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      if (request.url === '/.well-known/openid-configuration') {
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({ issuer: options.issuerOverride ?? base, jwks_uri: `${base}/jwks` }),
        );
      } else if (request.url === '/jwks') {
        response.setHeader('content-type', 'application/jwk-set+json');
        response.end(JSON.stringify({ keys: [rsa.publicJwk] }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    server = http;
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  function remoteVerifier(remoteIssuer: string) {
    const remoteConfig = config({ SKJERM_OIDC_ISSUER: remoteIssuer });
    if (remoteConfig.identityProvider.kind !== 'external') throw new Error('expected external');
    const source = new RemoteKeySource(remoteConfig.identityProvider, { timeoutMs: 2_000 });
    return new TokenVerifier(remoteConfig, source);
  }

  it("finds the issuer's keys through its discovery document", async () => {
    const remoteIssuer = await serveIdp();
    const token = await sign(patientClaims(), { iss: remoteIssuer });
    await expect(remoteVerifier(remoteIssuer).verify(token)).resolves.toMatchObject({
      issuer: remoteIssuer,
      role: 'patient',
    });
  });

  it('treats a discovery document naming another issuer as the IdP being unavailable', async () => {
    const remoteIssuer = await serveIdp({ issuerOverride: 'https://elsewhere.skjerm.test' });
    const token = await sign(patientClaims(), { iss: remoteIssuer });
    await expectRefused(token, 'idp-unavailable', remoteVerifier(remoteIssuer));
  });

  it('reports an unreachable IdP, and recovers once it answers', async () => {
    const remoteIssuer = await serveIdp();
    const verifier = remoteVerifier(remoteIssuer);
    const token = await sign(patientClaims(), { iss: remoteIssuer });
    const port = new URL(remoteIssuer).port;
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    await expectRefused(token, 'idp-unavailable', verifier);

    // The same port again: the failed discovery is retried, not remembered.
    const http = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        request.url === '/jwks'
          ? JSON.stringify({ keys: [rsa.publicJwk] })
          : JSON.stringify({ issuer: remoteIssuer, jwks_uri: `${remoteIssuer}/jwks` }),
      );
    });
    await new Promise<void>((resolve) => http.listen(Number(port), '127.0.0.1', resolve));
    server = http;
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'patient' });
  });
});
