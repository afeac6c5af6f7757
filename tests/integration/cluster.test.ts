import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterMediaRoom } from '../../apps/server/src/cluster/cluster-media-room.ts';
import { MediaNodeDirectory } from '../../apps/server/src/cluster/media-registry.ts';
import { closeRedis, connectRedis } from '../../apps/server/src/cluster/redis-client.ts';
import {
  admit,
  arrive,
  book,
  enterAsClinician,
  inviteSecret,
  signIn,
} from '../support/consultations.ts';
import { MediaParticipant } from '../support/media-participant.ts';
import { type RedisServer, requireRedisServer, startRedis } from '../support/redis-server.ts';
import {
  type RunningServer,
  startServerProcess,
  stopServerProcess,
} from '../support/server-process.ts';
import type { SignalingClient } from '../support/signaling-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const SECRET = 'cluster-test-secret-0123456789abcdef';
const mediaPortBase = 43000 + (process.pid % 100) * 20;

let issuer: TestIssuer;
let redis: RedisServer;
let signaling: SkjermServer;
const mediaNodes = new Map<string, RunningServer>();
const clients: SignalingClient[] = [];
const participants: MediaParticipant[] = [];

function startMediaNode(nodeId: string, index: number): Promise<RunningServer> {
  return startServerProcess({
    SKJERM_ROLE: 'media',
    SKJERM_NODE_ID: nodeId,
    SKJERM_REDIS_URL: redis.url,
    SKJERM_CLUSTER_SECRET: SECRET,
    SKJERM_CLUSTER_ADDRESS: '127.0.0.1',
    SKJERM_CLUSTER_PORT: '0',
    SKJERM_MEDIA_WORKERS: '1',
    SKJERM_MEDIA_PORT: String(mediaPortBase + index),
    SKJERM_PLAIN_RTP: 'true',
    SKJERM_MEDIA_CAPACITY: '2',
    SKJERM_DATA_DIR: mkdtempSync(join(tmpdir(), 'skjerm-media-')),
  }).then((node) => {
    mediaNodes.set(nodeId, node);
    return node;
  });
}

/** Media node ids in the registry now. */
async function liveMediaNodes(): Promise<string[]> {
  const client = connectRedis(redis.url, signaling.log);
  try {
    const nodes = await new MediaNodeDirectory({ redis: client, log: signaling.log }).list();
    return nodes.map((node) => node.nodeId).sort();
  } finally {
    await closeRedis(client);
  }
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function clusterRoom(consultationId: string): ClusterMediaRoom {
  const media = signaling.consultations.get(consultationId)?.media;
  if (!(media instanceof ClusterMediaRoom)) throw new Error('not a cluster consultation');
  return media;
}

/** Clinician + patient (+ second patient in a group) in one consultation, media started. */
async function call(patients: (keyof typeof people)[]) {
  const booking = await book(signaling, issuer, people.clinician, {
    mode: patients.length > 1 ? 'group' : 'consultation',
    patients: patients.map((key) => ({
      name: people[key].name,
      nationalId: (people[key] as { pid: string }).pid,
    })),
  });
  const id = booking.consultation.id;
  const host = await signIn(signaling, issuer, people.clinician);
  clients.push(host);
  const everyone = [new MediaParticipant(host, await enterAsClinician(host, id))];
  for (const [index, key] of patients.entries()) {
    const client = await signIn(signaling, issuer, people[key]);
    clients.push(client);
    await arrive(client, inviteSecret(booking, index), patients.length > 1 ? true : undefined);
    everyone.push(new MediaParticipant(client, await admit(host, client, people[key].name)));
  }
  participants.push(...everyone);
  for (const participant of everyone) await participant.start();
  return { id, everyone };
}

/** Every participant receives every other's video (and it decrypts under the sender's key). */
async function everyoneReceivesEveryone(everyone: MediaParticipant[], atLeast = 15) {
  for (const receiver of everyone) {
    for (const sender of everyone) {
      if (sender === receiver) continue;
      await expect
        .poll(() => receiver.packetsFrom(sender), { timeout: 8000, interval: 100 })
        .toBeGreaterThan(atLeast);
    }
  }
}

describe('scale-out: signaling node, Redis and two media nodes as processes on 127.0.0.1', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    requireRedisServer();
    issuer = await TestIssuer.create();
    redis = await startRedis();
    await Promise.all([startMediaNode('media-a', 0), startMediaNode('media-b', 4)]);
    signaling = await startTestServer(testKeySource(issuer), {
      SKJERM_ROLE: 'signaling',
      SKJERM_NODE_ID: 'signaling-1',
      SKJERM_REDIS_URL: redis.url,
      SKJERM_CLUSTER_SECRET: SECRET,
    });
    await waitUntil(
      async () => (await liveMediaNodes()).length === 2,
      'both media nodes registered',
    );
  }, 60_000);

  afterAll(async () => {
    for (const participant of participants) participant.stop();
    for (const client of clients) await client.close().catch(() => undefined);
    await signaling?.close();
    for (const node of mediaNodes.values()) await stopServerProcess(node);
    await redis?.stop();
  });

  it('spreads a full consultation over both nodes; everyone receives everyone through SRTP pipes, still SFrame', async () => {
    const { id, everyone } = await call(['patient', 'secondPatient']);
    const layout = await clusterRoom(id).layout();
    const [host, first, second] = everyone.map((p) => layout[p.participantId]);
    // Capacity 2 per node: the first two share a node, the third goes to the other.
    expect(host).toBe(first);
    expect(second).not.toBe(host);
    await everyoneReceivesEveryone(everyone);
    for (const receiver of everyone) {
      for (const sender of everyone) {
        if (sender === receiver) continue;
        const { ok, failed } = await receiver.decryptFrom(sender);
        expect(ok).toBeGreaterThan(15);
        expect(failed).toBe(0);
      }
    }
    await everyone[0]?.client.request('end', {});
  }, 60_000);
});
