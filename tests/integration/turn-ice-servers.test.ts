/**
 * What the server hands a client for TURN: every WebRTC transport comes with relay
 * credentials, and an ICE restart (after a resumed session, possibly hours into a call) comes
 * with fresh ones, since the first may have expired by then.
 */
import { randomBytes } from 'node:crypto';
import type { SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnRestCredential } from '../../apps/server/src/turn/turn-credentials.ts';
import { book, enterAsClinician, signIn } from '../support/consultations.ts';
import type { SignalingClient } from '../support/signaling-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const secret = randomBytes(32).toString('base64');
const urls = 'turn:127.0.0.1:3478?transport=udp';
let issuer: TestIssuer;
let server: SkjermServer;
let doctor: SignalingClient;

/** The credential is the TURN REST HMAC of its own username under the shared secret. */
function expectValid(server: { urls: string[]; username?: string; credential?: string }) {
  expect(server.urls).toEqual([urls]);
  const [expiry, id] = (server.username ?? '').split(':');
  expect(Number(expiry)).toBeGreaterThan(Date.now() / 1000);
  expect(server.credential).toBe(turnRestCredential(secret, id ?? '', Number(expiry)).credential);
}

describe('TURN credentials on transports', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    server = await startTestServer(testKeySource(issuer), {
      SKJERM_TURN_URLS: urls,
      SKJERM_TURN_SECRET: secret,
    });
    const booking = await book(server, issuer, people.clinician);
    doctor = await signIn(server, issuer, people.clinician);
    await enterAsClinician(doctor, booking.consultation.id);
  });

  afterAll(async () => {
    await doctor?.close();
    await server?.close();
  });

  it('come with every WebRTC transport and again with every ICE restart', async () => {
    const transport = await doctor.request('createTransport', { direction: 'recv' });
    if (!('iceServers' in transport) || !transport.iceServers) {
      throw new Error('no ICE servers on the transport');
    }
    expect(transport.iceServers).toHaveLength(1);
    expectValid(transport.iceServers[0] as Parameters<typeof expectValid>[0]);

    const restarted = await doctor.request('restartIce', { transportId: transport.transportId });
    expect(restarted.iceServers).toHaveLength(1);
    expectValid(restarted.iceServers?.[0] as Parameters<typeof expectValid>[0]);
  });
});
