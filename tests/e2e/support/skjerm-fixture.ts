/**
 * Playwright fixtures for browser tests of the SDK against a real Skjerm server:
 *
 * - `skjerm` (one per worker): a Skjerm server in this process on 127.0.0.1 (HTTPS on a free
 *   port, the embedded OpenID provider, one mediasoup worker), the SDK and the E2EE worker
 *   bundled with esbuild, and the test page served from its own loopback HTTP server
 *   (http://127.0.0.1 is a secure context, so WebCrypto and getUserMedia work).
 * - `participant(person)`: a new browser context with the test page open and the person's
 *   access token, from the embedded IdP's real sign-in flow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, type Page } from '@playwright/test';
import { bundleClient } from '@skjerm/client/bundle';
import type { BookingRequest, BookingResponse } from '@skjerm/protocol';
import type { SkjermServer } from '@skjerm/server';
import { requireRedisServer, startRedis } from '../../support/redis-server.ts';
import {
  type RunningServer,
  startServerProcess,
  stopServerProcess,
} from '../../support/server-process.ts';
import { requireWorkerBinary } from '../../support/worker-binary.ts';
import { startLoopbackServer } from './loopback-server.ts';
import { serverAccess } from './server-access.ts';
import { servePage } from './test-page.ts';

/** People of the embedded IdP (apps/server/src/auth/test-people.ts). */
export const people = {
  clinician: { id: 'kari-nordmann', name: 'Dr. Kari Nordmann' },
  coClinician: { id: 'ola-hansen', name: 'Dr. Ola Hansen' },
  patient: { id: 'ingrid-berg', name: 'Ingrid Berg', nationalId: '21869030039' },
} as const;

export type PersonId = (typeof people)[keyof typeof people]['id'];

export interface SkjermEnvironment {
  readonly server: SkjermServer;
  /** Cluster set-ups only: the media node processes, by node id. */
  readonly mediaNodes: ReadonlyMap<string, RunningServer>;
  /** The signaling WebSocket URL the pages connect to. */
  readonly signalingUrl: string;
  /** The test page. */
  readonly pageUrl: string;
  /** An access token for one of the embedded IdP's people (cached per worker). */
  token(person: PersonId): Promise<string>;
  /** Books a consultation through the REST API as `clinician`. */
  book(clinician: PersonId, request: Partial<BookingRequest>): Promise<BookingResponse>;
}

export interface Participant {
  readonly page: Page;
  readonly token: string;
}

const pageDir = fileURLToPath(new URL('../page/', import.meta.url));

/**
 * A scale-out set-up on 127.0.0.1: redis-server, two media nodes as separate processes and
 * the signaling node in this process. media-a takes one participant and media-b two: a
 * two-person call spans both (its media crosses a pipe), and if media-a dies, media-b can
 * take the whole call.
 */
async function startCluster(mediaPortBase: number) {
  requireRedisServer();
  const redis = await startRedis();
  const secret = 'e2e-cluster-secret-0123456789abcdef';
  const mediaNodes = new Map<string, RunningServer>();
  const startMedia = async (nodeId: string, offset: number, capacity: number) => {
    const node = await startServerProcess({
      SKJERM_ROLE: 'media',
      SKJERM_NODE_ID: nodeId,
      SKJERM_REDIS_URL: redis.url,
      SKJERM_CLUSTER_SECRET: secret,
      SKJERM_CLUSTER_PORT: '0',
      SKJERM_MEDIA_WORKERS: '1',
      SKJERM_MEDIA_LISTEN_IP: '127.0.0.1',
      SKJERM_MEDIA_PORT: String(mediaPortBase + offset),
      SKJERM_MEDIA_CAPACITY: String(capacity),
      SKJERM_DATA_DIR: mkdtempSync(join(tmpdir(), 'skjerm-e2e-media-')),
    });
    mediaNodes.set(nodeId, node);
  };
  await Promise.all([startMedia('media-a', 0, 1), startMedia('media-b', 1, 2)]);
  return {
    env: {
      SKJERM_ROLE: 'signaling',
      SKJERM_NODE_ID: 'signaling-e2e',
      SKJERM_REDIS_URL: redis.url,
      SKJERM_CLUSTER_SECRET: secret,
    },
    mediaNodes,
    async stop() {
      for (const node of mediaNodes.values()) await stopServerProcess(node).catch(() => null);
      await redis.stop();
    },
  };
}

async function startSkjerm(
  options: { cluster?: boolean } = {},
): Promise<{ env: SkjermEnvironment; stop: () => Promise<void> }> {
  requireWorkerBinary();
  const bundleDir = mkdtempSync(join(tmpdir(), 'skjerm-e2e-bundle-'));
  await bundleClient({ outdir: bundleDir, entries: { harness: join(pageDir, 'harness.ts') } });
  const mediaPort = 47000 + (process.pid % 1000) * 2;
  const cluster = options.cluster ? await startCluster(mediaPort + 2000) : undefined;
  const { server, stop: stopServer } = await startLoopbackServer({
    mediaPort,
    ...(cluster ? { env: cluster.env } : {}),
  });
  const http = await servePage(bundleDir);
  const access = serverAccess(server.url);
  const env: SkjermEnvironment = {
    server,
    mediaNodes: cluster?.mediaNodes ?? new Map(),
    signalingUrl: `${server.url.replace(/^https:/, 'wss:')}/ws`,
    pageUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    token: (person) => access.token(person),
    book: (clinician, request) =>
      access.book(clinician, {
        startsAt: '2026-12-01T10:00:00Z',
        patients: [{ name: people.patient.name, nationalId: people.patient.nationalId }],
        ...request,
      }),
  };
  return {
    env,
    async stop() {
      await new Promise((resolve) => http.close(resolve));
      await access.close();
      await stopServer();
      await cluster?.stop();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}

function fixtures(options: { cluster?: boolean }) {
  return base.extend<
    { participant: (person: PersonId) => Promise<Participant> },
    { skjerm: SkjermEnvironment }
  >({
    skjerm: [
      // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern.
      async ({}, use) => {
        const { env, stop } = await startSkjerm(options);
        await use(env);
        await stop();
      },
      { scope: 'worker', timeout: 120_000 },
    ],

    participant: async ({ browser, skjerm }, use) => {
      const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
      await use(async (person) => {
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        contexts.push(context);
        const page = await context.newPage();
        page.on('console', (message) => {
          if (message.type() === 'error') console.log(`[${person}] ${message.text()}`);
        });
        page.on('pageerror', (error) => console.log(`[${person}] page error: ${error.message}`));
        await page.goto(skjerm.pageUrl);
        await page.waitForFunction(() => 'harness' in window);
        return { page, token: await skjerm.token(person) };
      });
      for (const context of contexts) await context.close();
    },
  });
}

/** A single-process Skjerm server (role all). */
export const test = fixtures({});
/** A signaling node with two media nodes and Redis (see startCluster). */
export const clusterTest = fixtures({ cluster: true });

export { expect } from '@playwright/test';

/** The invite secret of a booking's link (it travels in the URL fragment). */
export function inviteSecret(booking: BookingResponse, index = 0): string {
  const url = booking.invites[index]?.url;
  if (!url) throw new Error(`the booking has no invite ${index}`);
  return new URL(url).hash.slice(1);
}
