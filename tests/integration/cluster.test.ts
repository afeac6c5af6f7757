import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterMediaRoom } from '../../apps/server/src/cluster/cluster-media-room.ts';
import { MediaNodeClient } from '../../apps/server/src/cluster/media-node-client.ts';
import {
  MediaNodeDirectory,
  type MediaNodeInfo,
} from '../../apps/server/src/cluster/media-registry.ts';
import {
  closeRedis,
  connectRedis,
  waitUntilReady,
} from '../../apps/server/src/cluster/redis-client.ts';
import {
  admit,
  arrive,
  book,
  enterAsClinician,
  inviteSecret,
  signIn,
} from '../support/consultations.ts';
import { MediaParticipant } from '../support/media-participant.ts';
import { PlainRtpPeer } from '../support/plain-rtp-peer.ts';
import { type RedisServer, requireRedisServer, startRedis } from '../support/redis-server.ts';
import {
  type RunningServer,
  startServerProcess,
  stopServerProcess,
} from '../support/server-process.ts';
import type { SignalingClient } from '../support/signaling-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { settle, waitUntil } from '../support/waiting.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
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

/** The registry as a fresh reader sees it now (empty while Redis is down). */
async function registry(): Promise<MediaNodeInfo[]> {
  const client = connectRedis(redis.url, signaling.log);
  try {
    await waitUntilReady(client, 1000);
    return await new MediaNodeDirectory({ redis: client, log: signaling.log }).list();
  } catch {
    return [];
  } finally {
    await closeRedis(client);
  }
}

/** Ends a call and waits until the media nodes report its participants gone. */
async function hangUp(...calls: { everyone: MediaParticipant[] }[]) {
  for (const { everyone } of calls) {
    await everyone[0]?.client.request('end', {});
    for (const participant of everyone) participant.stop();
  }
  await waitUntil(
    async () => (await registry()).every((node) => node.load.participants === 0),
    'media nodes empty',
  );
}

/** A media node's /metrics, from its address in the registry. */
async function mediaMetrics(nodeId: string): Promise<string> {
  const node = (await registry()).find((candidate) => candidate.nodeId === nodeId);
  if (!node) throw new Error(`${nodeId} is not registered`);
  const response = await fetch(node.rpcUrl.replace(/^ws:/, 'http:').replace(/\/rpc$/, '/metrics'));
  expect(response.status).toBe(200);
  return response.text();
}

/** Media node ids in the registry now. */
async function liveMediaNodes(): Promise<string[]> {
  return (await registry()).map((node) => node.nodeId).sort();
}

/** `npm run cluster -- …` as an operator runs it. */
async function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['apps/server/src/cluster/cluster-cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SKJERM_REDIS_URL: redis.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
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
    // Each step on its own: one failing must not leave processes running.
    await settle(async () => {
      for (const participant of participants) participant.stop();
    });
    await settle(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
    });
    await settle(async () => {
      await signaling?.close();
    });
    await settle(async () => {
      for (const node of mediaNodes.values()) await stopServerProcess(node);
    });
    await settle(async () => {
      await redis?.stop();
    });
  });

  it('spreads a full consultation over both nodes; everyone receives everyone through SRTP pipes, still SFrame', async () => {
    const { id, everyone } = await call(['patient', 'secondPatient']);
    const layout = await clusterRoom(id).layout();
    const [host, first, second] = everyone.map((p) => layout[p.participantId]);
    // Capacity 2 per node: the first two share a node, the third goes to the other.
    expect(host).toBe(first);
    expect(second).not.toBe(host);
    await everyoneReceivesEveryone(everyone);
    // Each media node's /metrics (cluster address, plain HTTP) counts what its rooms carry:
    // the node with the third participant consumes the other two (through the pipe).
    const metrics = await mediaMetrics(second ?? '');
    expect(metrics).toMatch(/^skjerm_media_workers 1$/m);
    expect(Number(/^skjerm_consumers (\d+)$/m.exec(metrics)?.[1])).toBe(2);
    for (const receiver of everyone) {
      for (const sender of everyone) {
        if (sender === receiver) continue;
        const { ok, failed } = await receiver.decryptFrom(sender);
        expect(ok).toBeGreaterThan(15);
        expect(failed).toBe(0);
      }
    }
    await hangUp({ everyone });
  }, 60_000);

  it('a media node dies: its consultation starts over on the other node, clients back within 10 s', async () => {
    const { id, everyone } = await call(['patient']);
    await everyoneReceivesEveryone(everyone);
    const layout = await clusterRoom(id).layout();
    const doomed = layout[everyone[0]?.participantId ?? ''] ?? '';
    const node = mediaNodes.get(doomed);
    if (!node) throw new Error(`no media node ${doomed}`);
    const before = everyone.map((receiver) =>
      everyone.map((sender) => receiver.packetsFrom(sender)),
    );
    void before;

    const killedAt = Date.now();
    node.child.kill('SIGKILL');
    // Every client is told to start its media over, and does; media flows both ways again.
    await waitUntil(
      async () => everyone.every((p) => p.resets.length > 0),
      'mediaReset at every client',
    );
    const toldWithin = Math.max(...everyone.map((p) => (p.resets[0]?.at ?? 0) - killedAt));
    expect(everyone.map((p) => p.resets[0]?.reason)).toEqual([
      'media-node-lost',
      'media-node-lost',
    ]);
    await everyoneReceivesEveryone(everyone, 5);
    const backWithin = Date.now() - killedAt;
    console.info(
      `media node killed: clients told in ${toldWithin} ms, media back in ${backWithin} ms`,
    );
    expect(backWithin).toBeLessThan(10_000);
    const moved = await clusterRoom(id).layout();
    for (const participant of everyone) {
      expect(moved[participant.participantId]).not.toBe(doomed);
    }
    for (const [receiver, sender] of [everyone, [...everyone].reverse()]) {
      if (!receiver || !sender) continue;
      expect((await receiver.decryptFrom(sender)).failed).toBe(0);
    }

    // The node comes back under its own id and takes placements again.
    mediaNodes.delete(doomed);
    await startMediaNode(doomed, doomed === 'media-a' ? 0 : 4);
    await waitUntil(async () => (await liveMediaNodes()).includes(doomed), `${doomed} back`);
    await hangUp({ everyone });
  }, 60_000);

  it('a drained node takes no new consultations while its own go on', async () => {
    const first = await call(['patient']);
    const [placedOn] = Object.values(await clusterRoom(first.id).layout());
    if (!placedOn) throw new Error('not placed');
    const drain = await runCli(['drain', placedOn]);
    expect(drain.code).toBe(0);
    expect(drain.out).toContain(placedOn);
    await waitUntil(
      async () => (await registry()).find((n) => n.nodeId === placedOn)?.draining === true,
      'drain seen by the registry',
    );
    // The drained node would win on load (the other is empty): it is skipped anyway.
    const second = await call(['secondPatient']);
    for (const nodeId of Object.values(await clusterRoom(second.id).layout())) {
      expect(nodeId).not.toBe(placedOn);
    }
    const [host, patient] = first.everyone as [MediaParticipant, MediaParticipant];
    await everyoneReceivesEveryone(first.everyone, host.packetsFrom(patient) + 20);

    // --move: the consultation still on the drained node moves to the other one (once the
    // second call has left it room: capacity 2).
    await second.everyone[0]?.client.request('end', {});
    for (const participant of second.everyone) participant.stop();
    await waitUntil(
      async () =>
        (await registry()).every((n) => n.nodeId === placedOn || n.load.participants === 0),
      'the other node empty',
    );
    const move = await runCli(['drain', placedOn, '--move']);
    expect(move.code).toBe(0);
    await waitUntil(async () => host.resets.length > 0 && patient.resets.length > 0, 'moved');
    expect([host.resets[0]?.reason, patient.resets[0]?.reason]).toEqual(['moved', 'moved']);
    await everyoneReceivesEveryone(first.everyone, 5);
    for (const nodeId of Object.values(await clusterRoom(first.id).layout())) {
      expect(nodeId).not.toBe(placedOn);
    }
    expect((await runCli(['undrain', placedOn])).code).toBe(0);
    await waitUntil(
      async () => (await registry()).find((n) => n.nodeId === placedOn)?.draining === false,
      'undrain seen by the registry',
    );
    await hangUp(first);
  }, 60_000);

  it('a media node that hangs (SIGSTOP) is given up after missed pings; its call moves within 10 s', async () => {
    const { id, everyone } = await call(['patient']);
    await everyoneReceivesEveryone(everyone);
    const [hungId] = Object.values(await clusterRoom(id).layout());
    const hung = mediaNodes.get(hungId ?? '');
    if (!hung || !hungId) throw new Error('not placed');
    const stoppedAt = Date.now();
    hung.child.kill('SIGSTOP');
    try {
      await waitUntil(async () => everyone.every((p) => p.resets.length > 0), 'mediaReset');
      await everyoneReceivesEveryone(everyone, 5);
      const backWithin = Date.now() - stoppedAt;
      console.info(`media node hung: media back on the other node in ${backWithin} ms`);
      expect(backWithin).toBeLessThan(10_000);
      for (const nodeId of Object.values(await clusterRoom(id).layout())) {
        expect(nodeId).not.toBe(hungId);
      }
    } finally {
      hung.child.kill('SIGCONT');
    }
    await waitUntil(async () => (await liveMediaNodes()).includes(hungId), `${hungId} back`);
    await hangUp({ everyone });
  }, 60_000);

  it('a media node refuses plaintext: the producer is closed and the refusal audited by the signaling node', async () => {
    const { id, everyone } = await call(['patient']);
    const [host, patient] = everyone as [MediaParticipant, MediaParticipant];
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(
      host.client,
      'video',
      [host.kid],
      0x3333,
    );
    const source = await PlainRtpPeer.open();
    try {
      let stop = false;
      const sending = source.send(port, ssrc, {
        kind: 'video',
        frames: 500,
        intervalMs: 10,
        stopped: () => stop,
      });
      const closed = await host.client.waitFor(
        'producerClosed',
        (data) => data.producerId === producerId,
      );
      expect(closed.reason).toBe('not-e2ee');
      expect(signaling.audit.export(id).map((entry) => entry.type)).toContain('producer-rejected');
      // Nobody was ever offered it.
      expect(
        patient.client.notifications.some(
          (n) =>
            n.notification === 'newProducer' &&
            (n.data as { producerId: string }).producerId === producerId,
        ),
      ).toBe(false);
      stop = true;
      await sending;
    } finally {
      source.close();
    }
    await hangUp({ everyone });
  }, 60_000);

  it('a media node refuses a signaling node that cannot prove the cluster secret', async () => {
    const [node] = await registry();
    if (!node) throw new Error('no media node');
    await expect(
      MediaNodeClient.connect({
        nodeId: node.nodeId,
        rpcUrl: node.rpcUrl,
        secret: 'not-the-cluster-secret-0123456789abcdef',
        localNodeId: 'intruder',
        log: signaling.log,
      }),
    ).rejects.toThrow();
    // The right secret still gets in.
    const client = await MediaNodeClient.connect({
      nodeId: node.nodeId,
      rpcUrl: node.rpcUrl,
      secret: SECRET,
      localNodeId: 'checker',
      log: signaling.log,
    });
    client.close();
  });

  it('Redis stopped for 5 s: running calls keep their media, and placement works again when it is back', async () => {
    const running = await call(['patient']);
    await everyoneReceivesEveryone(running.everyone);
    const [host, patient] = running.everyone as [MediaParticipant, MediaParticipant];
    await redis.stop();
    const atStop = patient.packetsFrom(host);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const atFour = patient.packetsFrom(host);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Sent at 50 frames per second (a busy machine sends fewer): media went on the whole
    // time, still arriving in the outage's last second.
    expect(atFour - atStop).toBeGreaterThan(40);
    expect(patient.packetsFrom(host) - atFour).toBeGreaterThan(5);
    await redis.restart();
    await waitUntil(async () => (await liveMediaNodes()).length === 2, 'registry refilled', 5000);
    const next = await call(['secondPatient']);
    await everyoneReceivesEveryone(next.everyone);
    await everyoneReceivesEveryone(running.everyone, patient.packetsFrom(host) + 20);
    await hangUp(running, next);
  }, 60_000);
});
