/**
 * Behind a proxy on 443 in front of Skjerm's 8443, what clients are told must name the proxy:
 * invitation links and the web app's sign-in issuer use SKJERM_PUBLIC_HOSTNAME and
 * SKJERM_PUBLIC_PORT, not the port Skjerm happens to listen on.
 */
import type { AddressInfo } from 'node:net';
import type { SkjermServer } from '@skjerm/server';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const agent = new Agent({ connect: { rejectUnauthorized: false } });
let issuer: TestIssuer;
let server: SkjermServer;

/** Where the test reaches the server: its bound loopback port, not the public origin. */
function direct(path: string): string {
  const { port } = server.http.server.address() as AddressInfo;
  return `https://127.0.0.1:${port}${path}`;
}

describe('the public origin behind a proxy', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    server = await startTestServer(testKeySource(issuer), {
      SKJERM_PUBLIC_HOSTNAME: 'video.example.org',
      SKJERM_PUBLIC_PORT: '443',
    });
  });

  afterAll(async () => {
    await server?.close();
    await agent.close();
  });

  it('puts the public origin, without the listening port, in invitation links', async () => {
    expect(server.url).toBe('https://video.example.org');
    const response = await fetch(direct('/api/consultations'), {
      method: 'POST',
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${await issuer.token(people.clinician)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        title: 'Kontroll',
        startsAt: '2026-12-01T10:00:00Z',
        mode: 'consultation',
        patients: [{ name: people.patient.name, nationalId: people.patient.pid }],
      }),
    });
    expect(response.status).toBe(201);
    const booking = (await response.json()) as { invites: { url: string }[] };
    expect(booking.invites[0]?.url).toMatch(/^https:\/\/video\.example\.org\/join#[\w-]{43}$/);
  });
});
