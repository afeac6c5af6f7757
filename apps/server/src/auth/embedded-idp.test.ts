import { Value } from '@sinclair/typebox/value';
import fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { pino } from 'pino';
import { generate } from 'selfsigned';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthConfig,
  authConfigSchema,
  type RawAuthConfig,
  readAuthConfig,
} from './auth-config.ts';
import { AuthError } from './auth-errors.ts';
import { type EmbeddedIdp, registerEmbeddedIdp } from './embedded-idp.ts';
import { webClientId, webClientScope } from './idp-provider-config.ts';
import { loginAs } from './test-login.ts';
import { TokenVerifier } from './token-verifier.ts';

const redirectUri = 'https://127.0.0.1/app/callback';

let app: FastifyInstance;
let idp: EmbeddedIdp;
let issuer: string;
let verifier: TokenVerifier;
const agent = new Agent({ connect: { rejectUnauthorized: false } });

/** GETs a JSON document from the test server (self-signed certificate, loopback only). */
async function getJson<T>(url: string): Promise<{ status: number; type: string | null; body: T }> {
  const response = await undiciFetch(url, { dispatcher: agent });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as T,
  };
}

interface Discovery {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  code_challenge_methods_supported: string[];
  acr_values_supported: string[];
}

interface Jwks {
  keys: ({ kid: string } & Record<string, unknown>)[];
}

async function selfSignedCertificate() {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

function authConfig(): AuthConfig {
  return readAuthConfig(Value.Default(authConfigSchema, {}) as RawAuthConfig);
}

beforeAll(async () => {
  app = fastify({ https: await selfSignedCertificate(), logger: false });
  const config = authConfig();
  idp = await registerEmbeddedIdp(app, {
    issuer: () => {
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      return `https://127.0.0.1:${address.port}/idp`;
    },
    audience: config.audience,
    redirectUris: [redirectUri],
    log: pino({ level: 'silent' }),
    claims: config.claims,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  issuer = idp.issuer;
  verifier = new TokenVerifier(config, idp);
});

afterAll(async () => {
  await app?.close();
  await agent.close();
});

describe('the embedded IdP', () => {
  it('serves a discovery document for its issuer with code flow and PKCE S256', async () => {
    const { status, body } = await getJson<Discovery>(`${issuer}/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(body.issuer).toBe(issuer);
    expect(body.jwks_uri).toBe(`${issuer}/jwks`);
    expect(body.response_types_supported).toEqual(['code']);
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
    expect(body.acr_values_supported).toContain('idporten-loa-high');
  });

  it('publishes its public signing key, and no private part of it', async () => {
    const { status, type, body } = await getJson<Jwks>(`${issuer}/jwks`);
    expect(status).toBe(200);
    expect(type).toContain('application/jwk-set+json');
    expect(body.keys.map((key) => key.kid)).toEqual([idp.currentKid]);
    expect(body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(body.keys[0]).not.toHaveProperty('d');
  });

  it('signs a patient in through the code flow, with an access token the verifier accepts', async () => {
    const { accessToken, idToken } = await loginAs(issuer, 'ingrid-berg', { redirectUri });
    const identity = await verifier.verify(accessToken);
    expect(identity).toMatchObject({
      issuer,
      subject: 'ingrid-berg',
      name: 'Ingrid Berg',
      role: 'patient',
      nationalId: '21869030039',
      assurance: 'idporten-loa-high',
    });
    expect(identity.expiresAt).toBeGreaterThan(Date.now());

    // The ID token is for the web app, not the API, and carries the same person.
    const idClaims = decodeJwt(idToken);
    expect(idClaims).toMatchObject({
      aud: webClientId,
      sub: 'ingrid-berg',
      acr: 'idporten-loa-high',
      pid: '21869030039',
      skjerm_role: 'patient',
    });
    await expect(verifier.verify(idToken)).rejects.toMatchObject({ code: 'token-audience' });
  });

  it('signs a clinician in', async () => {
    const { accessToken } = await loginAs(issuer, 'kari-nordmann', { redirectUri });
    await expect(verifier.verify(accessToken)).resolves.toMatchObject({
      subject: 'kari-nordmann',
      name: 'Dr. Kari Nordmann',
      role: 'clinician',
    });
  });

  it('signs in a patient with substantial assurance, whom the verifier then refuses', async () => {
    const { accessToken } = await loginAs(issuer, 'sigrid-lund', { redirectUri });
    await expect(verifier.verify(accessToken)).rejects.toMatchObject({ code: 'assurance-too-low' });
  });

  it('refuses an unregistered redirect URI', async () => {
    await expect(
      loginAs(issuer, 'ingrid-berg', { redirectUri: 'https://127.0.0.1/elsewhere' }),
    ).rejects.toThrow(/redirect_uri/);
  });

  it('refuses an unknown person', async () => {
    await expect(loginAs(issuer, 'nobody', { redirectUri })).rejects.toThrow(/400/);
  });

  it('keeps verifying old tokens after a key rotation while signing new ones with the new key', async () => {
    const before = await loginAs(issuer, 'ola-hansen', { redirectUri });
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    expect(oldKid).toBe(idp.currentKid);

    await idp.rotateKeys();
    const newKid = idp.currentKid;
    expect(newKid).not.toBe(oldKid);
    const { body: jwks } = await getJson<Jwks>(`${issuer}/jwks`);
    expect(jwks.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);

    await expect(verifier.verify(before.accessToken)).resolves.toMatchObject({ role: 'clinician' });
    const after = await loginAs(issuer, 'ola-hansen', { redirectUri });
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    expect(decodeProtectedHeader(after.idToken).kid).toBe(newKid);
    await expect(verifier.verify(after.accessToken)).resolves.toMatchObject({ role: 'clinician' });

    // Two rotations on, the first key is no longer published nor trusted.
    await idp.rotateKeys();
    const refused = await verifier.verify(before.accessToken).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'token-signature' });
  });

  it('serves a sign-in page that lists every test person and loads nothing external', async () => {
    const page = await undiciFetch(
      `${issuer}/auth?${new URLSearchParams({
        client_id: webClientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: webClientScope,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
      { dispatcher: agent, redirect: 'manual' },
    );
    expect(page.status).toBe(303);
    const cookies = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const location = new URL(page.headers.get('location') ?? '', issuer).href;
    const html = await undiciFetch(location, { dispatcher: agent, headers: { cookie: cookies } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    const text = await html.text();
    for (const person of idp.testPeople) expect(text).toContain(person.name);
    expect(text).not.toMatch(/<script|https?:\/\//);
  });
});
