/**
 * Media through a TURN relay: Debian's coturn on 127.0.0.1 (tests/support/coturn.ts, from
 * infra/coturn/turnserver.conf), a Skjerm server configured with it (SKJERM_TURN_URLS,
 * SKJERM_TURN_SECRET), and two browsers whose peer connections may use relay candidates only.
 * Everything stays on 127.0.0.1.
 *
 * Relay-only is forced under the SDK, on RTCPeerConnection itself, so the test also sees the
 * ICE servers the SDK passed on (they must be the ones the server handed out).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { bundleClient } from '@skjerm/client/bundle';
import type { BookingResponse } from '@skjerm/protocol';
import type { SkjermServer } from '@skjerm/server';
import { Agent, fetch } from 'undici';
import { loginAs } from '../../apps/server/src/auth/test-login.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';
import { startLoopbackServer } from './support/loopback-server.ts';
import { servePage } from './support/test-page.ts';

/** People of the embedded IdP (apps/server/src/auth/test-people.ts). */
const clinician = { id: 'kari-nordmann', name: 'Dr. Kari Nordmann' };
const patient = { id: 'ingrid-berg', name: 'Ingrid Berg', nationalId: '21869030039' };

interface RelayEnvironment {
  readonly server: SkjermServer;
  readonly coturn: Coturn;
  readonly signalingUrl: string;
  readonly pageUrl: string;
  token(person: string): Promise<string>;
  book(): Promise<BookingResponse>;
}

const pageDir = fileURLToPath(new URL('page/', import.meta.url));

async function startRelayEnvironment() {
  requireWorkerBinary();
  const secret = randomBytes(32).toString('base64');
  const coturn = await startCoturn(secret, 1);
  const bundleDir = mkdtempSync(join(tmpdir(), 'skjerm-e2e-turn-bundle-'));
  await bundleClient({ outdir: bundleDir, entries: { harness: join(pageDir, 'harness.ts') } });
  const { server, stop: stopServer } = await startLoopbackServer({
    mediaPort: 45000 + (process.pid % 1000) * 2,
    env: {
      SKJERM_TURN_URLS: coturn.url,
      SKJERM_TURN_SECRET: secret,
      SKJERM_TURN_TTL_SECONDS: '600',
    },
  });
  const http = await servePage(bundleDir);
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const env: RelayEnvironment = {
    server,
    coturn,
    signalingUrl: `${server.url.replace(/^https:/, 'wss:')}/ws`,
    pageUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    async token(person) {
      const tokens = await loginAs(`${server.url}/idp`, person, { redirectUri: `${server.url}/` });
      return tokens.accessToken;
    },
    async book() {
      const response = await fetch(`${server.url}/api/consultations`, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${await env.token(clinician.id)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          title: 'Kontroll',
          startsAt: '2026-12-01T10:00:00Z',
          mode: 'consultation',
          patients: [{ name: patient.name, nationalId: patient.nationalId }],
        }),
      });
      if (response.status !== 201) throw new Error(`booking failed: ${response.status}`);
      return (await response.json()) as BookingResponse;
    },
  };
  const stop = async () => {
    await new Promise((resolve) => http.close(resolve));
    await agent.close();
    await stopServer();
    await coturn.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  };
  return { env, stop };
}

/**
 * Runs in the page before any script: every RTCPeerConnection gets iceTransportPolicy 'relay'
 * and is remembered with the ICE servers it was given.
 */
function forceRelayOnly() {
  const Native = window.RTCPeerConnection;
  const created: { pc: RTCPeerConnection; iceServers: RTCIceServer[] }[] = [];
  class RelayOnlyPeerConnection extends Native {
    constructor(configuration: RTCConfiguration = {}) {
      super({ ...configuration, iceTransportPolicy: 'relay' });
      created.push({ pc: this, iceServers: configuration.iceServers ?? [] });
    }
  }
  window.RTCPeerConnection = RelayOnlyPeerConnection;
  (window as unknown as { relayOnly: typeof created }).relayOnly = created;
}

/** Each peer connection's policy, ICE servers and the candidate types of its selected pair. */
function peerConnectionRoutes(page: Page) {
  return page.evaluate(async () => {
    const created = (
      window as unknown as {
        relayOnly: { pc: RTCPeerConnection; iceServers: RTCIceServer[] }[];
      }
    ).relayOnly;
    return Promise.all(
      created.map(async ({ pc, iceServers }) => {
        const reports = [...(await pc.getStats()).values()] as Record<string, unknown>[];
        const byId = new Map(reports.map((report) => [report.id, report]));
        const transport = reports.find((report) => report.type === 'transport');
        const pair = byId.get(transport?.selectedCandidatePairId);
        const local = byId.get(pair?.localCandidateId);
        const remote = byId.get(pair?.remoteCandidateId);
        return {
          policy: pc.getConfiguration().iceTransportPolicy,
          iceServers: iceServers.map(({ urls, username }) => ({ urls, username })),
          state: pc.connectionState,
          local: local && { type: local.candidateType, relayProtocol: local.relayProtocol },
          remote: remote && { type: remote.candidateType, address: remote.address },
        };
      }),
    );
  });
}

const test = base.extend<
  { participant: (person: string) => Promise<{ page: Page; token: string }> },
  { relay: RelayEnvironment }
>({
  relay: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern.
    async ({}, use) => {
      const { env, stop } = await startRelayEnvironment();
      await use(env);
      await stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  participant: async ({ browser, relay }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (person) => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      contexts.push(context);
      await context.addInitScript(forceRelayOnly);
      const page = await context.newPage();
      page.on('pageerror', (error) => console.log(`[${person}] page error: ${error.message}`));
      await page.goto(relay.pageUrl);
      await page.waitForFunction(() => 'harness' in window);
      return { page, token: await relay.token(person) };
    });
    for (const context of contexts) await context.close();
  },
});

test('two participants see and hear each other with relay candidates only, through coturn', async ({
  relay,
  participant,
}) => {
  const booking = await relay.book();
  const invite = new URL(booking.invites[0]?.url ?? '').hash.slice(1);
  const doctor = await participant(clinician.id);
  const ingrid = await participant(patient.id);
  const url = relay.signalingUrl;

  const doctorJoined = await doctor.page.evaluate(
    ([url, token, consultationId]) =>
      window.harness.start({ url, token, target: { consultationId } }),
    [url, doctor.token, booking.consultation.id] as const,
  );
  const ingridJoining = ingrid.page.evaluate(
    ([url, token, invite]) => window.harness.start({ url, token, target: { invite } }),
    [url, ingrid.token, invite] as const,
  );
  await doctor.page.evaluate((name) => window.harness.admit(name), patient.name);
  const ingridJoined = await ingridJoining;
  await Promise.all(
    [doctor, ingrid].map(({ page }) =>
      page.evaluate(() => window.harness.publishCameraAndMicrophone()),
    ),
  );

  for (const [viewer, sender] of [
    [ingrid.page, doctorJoined.participantId],
    [doctor.page, ingridJoined.participantId],
  ] as const) {
    await expect
      .poll(
        async () => {
          const seen = await viewer.evaluate((id) => window.harness.remoteMedia(id, 1500), sender);
          return seen.videoWidth === 640 && seen.framesAdvanced > 0 && seen.audioLevel > 0;
        },
        { timeout: 45_000, intervals: [500] },
      )
      .toBe(true);
  }

  for (const page of [doctor.page, ingrid.page]) {
    // mediasoup-client's capability probes are closed at once; the transports remain.
    const routes = (await peerConnectionRoutes(page)).filter(({ state }) => state !== 'closed');
    console.log('media transports:', JSON.stringify(routes));
    expect(routes).toHaveLength(2);
    for (const route of routes) {
      expect(route.policy).toBe('relay');
      expect(route.state).toBe('connected');
      expect(route.iceServers).toEqual([
        { urls: [relay.coturn.url], username: expect.stringMatching(/^\d+:[\w-]+$/) },
      ]);
      expect(route.local).toEqual({ type: 'relay', relayProtocol: 'udp' });
      expect(route.remote).toMatchObject({ type: 'host', address: '127.0.0.1' });
    }
    expect(await page.evaluate(() => window.harness.errors())).toEqual([]);
  }
});
