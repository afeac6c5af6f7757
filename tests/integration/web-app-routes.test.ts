/**
 * How the server serves the web app: the one page on every app address under a strict CSP,
 * the assets (worker included) under the same policy and never outside their folder, the
 * sign-in settings, who a token belongs to, and a clear answer when the app is not built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SkjermServer } from '@skjerm/server';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.ts';
import { people, TEST_ISSUER, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const agent = new Agent({ connect: { rejectUnauthorized: false } });
let issuer: TestIssuer;
let server: SkjermServer;
let webDir: string;

async function get(path: string, headers: Record<string, string> = {}, on = server) {
  const response = await fetch(`${on.url}${path}`, { dispatcher: agent, headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('the web app as the server serves it', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    webDir = mkdtempSync(join(tmpdir(), 'skjerm-web-routes-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Skjerm</title>');
    writeFileSync(join(webDir, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(webDir, 'secret.txt'), 'outside the assets');
    server = await startTestServer(testKeySource(issuer), {}, { webDir });
  });

  afterAll(async () => {
    await server?.close();
    await agent.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('answers every app address with the page, under a CSP that allows only this origin', async () => {
    for (const path of ['/', '/join', '/consultations/4f1c2d']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.body).toContain('<title>Skjerm</title>');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain(`connect-src 'self' ${new URL(TEST_ISSUER).origin}`);
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      // A self-signed certificate: no HSTS, which would stick to the host name.
      expect(page.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('serves assets under the same policy, and nothing outside their folder', async () => {
    const script = await get('/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const path of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/secret.txt']) {
      const response = await get(path);
      expect(response.body, path).not.toContain('outside the assets');
    }
  });

  it('tells the app where to sign in', async () => {
    const config = await get('/api/web-config');
    expect(JSON.parse(config.body)).toEqual({
      issuer: TEST_ISSUER,
      clientId: 'skjerm-web',
      scope: 'openid profile skjerm',
    });
  });

  it('says whose a token is, without the identity number, and refuses no or bad tokens', async () => {
    const me = await get('/api/me', {
      authorization: `bearer ${await issuer.token(people.patient)}`,
    });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toEqual({ name: people.patient.name, role: 'patient' });
    expect(me.body).not.toContain(people.patient.pid);
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
      const refused = await get('/api/me', headers);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'unauthenticated' });
    }
  });

  it('says plainly when the app has not been built', async () => {
    const bare = await startTestServer(testKeySource(issuer), {}, { webDir: join(webDir, 'none') });
    try {
      const page = await get('/', {}, bare);
      expect(page.status).toBe(503);
      expect(page.body).toMatch(/not built.*npm start/);
    } finally {
      await bare.close();
    }
  });
});
