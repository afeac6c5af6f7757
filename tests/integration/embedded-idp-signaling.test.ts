import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs } from '../../apps/server/src/auth/test-login.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

describe('the default setup: embedded OpenID provider in front of signaling', () => {
  let server: SkjermServer;

  beforeAll(async () => {
    requireWorkerBinary();
    // What `npm start` runs: no SKJERM_OIDC_ISSUER, so the embedded IdP signs people in.
    const config = loadConfig({
      SKJERM_HOST: '127.0.0.1',
      SKJERM_PORT: '0',
      SKJERM_PUBLIC_HOSTNAME: '127.0.0.1',
      SKJERM_DATA_DIR: mkdtempSync(join(tmpdir(), 'skjerm-idp-')),
      SKJERM_MEDIA_WORKERS: '1',
      SKJERM_MEDIA_PORT: String(45000 + (process.pid % 500) * 2),
      SKJERM_LOG_LEVEL: 'silent',
    });
    server = await SkjermServer.start(config, createLogger(process.env.DBG ? 'debug' : 'silent'));
  });

  afterAll(() => server?.close());

  it('signs a clinician and a patient in through the real code flow and accepts their tokens', async () => {
    const redirectUri = `${server.url}/`;
    const clinician = await loginAs(`${server.url}/idp`, 'kari-nordmann', { redirectUri });
    const patient = await loginAs(`${server.url}/idp`, 'ingrid-berg', { redirectUri });
    const a = await SignalingClient.connect(server.url);
    const b = await SignalingClient.connect(server.url);
    try {
      expect(
        await a.request('hello', { protocolVersion: 1, token: clinician.accessToken }),
      ).toMatchObject({
        name: 'Dr. Kari Nordmann',
        role: 'clinician',
      });
      expect(
        await b.request('hello', { protocolVersion: 1, token: patient.accessToken }),
      ).toMatchObject({
        name: 'Ingrid Berg',
        role: 'patient',
      });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a patient signed in with only substantial assurance, and ID tokens used as access tokens', async () => {
    const redirectUri = `${server.url}/`;
    const low = await loginAs(`${server.url}/idp`, 'sigrid-lund', { redirectUri });
    const client = await SignalingClient.connect(server.url);
    try {
      await expect(
        client.request('hello', { protocolVersion: 1, token: low.accessToken }),
      ).rejects.toMatchObject({
        error: { code: 'unauthenticated', detail: 'assurance-too-low' },
      });
      const other = await loginAs(`${server.url}/idp`, 'kari-nordmann', { redirectUri });
      const again = await SignalingClient.connect(server.url);
      try {
        await expect(
          again.request('hello', { protocolVersion: 1, token: other.idToken }),
        ).rejects.toMatchObject({
          error: { code: 'unauthenticated', detail: 'token-audience' },
        });
      } finally {
        await again.close();
      }
    } finally {
      await client.close();
    }
  });
});
