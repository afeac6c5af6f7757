import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestResult } from '@skjerm/protocol';
import type { SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditCli } from '../../apps/server/src/audit/cli.ts';
import { LoopbackIssuer } from '../../bench/load/loopback-issuer.ts';
import { admit, arrive, book, enterAsClinician, inviteSecret } from '../support/consultations.ts';
import { MediaParticipant } from '../support/media-participant.ts';
import { type RedisServer, requireRedisServer, startRedis } from '../support/redis-server.ts';
import {
  type RunningServer,
  startServerProcess,
  stopServerProcess,
} from '../support/server-process.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { people, type TestIssuer, type TestPerson } from '../support/test-tokens.ts';
import { settle, waitUntil } from '../support/waiting.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const SECRET = 'cluster-test-secret-0123456789abcdef';
const mediaPortBase = 45000 + (process.pid % 100) * 20;

let issuer: LoopbackIssuer;
let redis: RedisServer;
const processes: RunningServer[] = [];
const signalingNodes = new Map<string, RunningServer>();
const clients: SignalingClient[] = [];
const participants: MediaParticipant[] = [];
let signaling: Record<'s1' | 's2', RunningServer>;
/** Both signaling nodes share the booking database (one host). */
let sharedDataDir: string;

function commonEnv(): Record<string, string> {
  return {
    SKJERM_REDIS_URL: redis.url,
    SKJERM_CLUSTER_SECRET: SECRET,
    SKJERM_PLAIN_RTP: 'true',
    SKJERM_MEDIA_WORKERS: '1',
  };
}

async function startSignaling(nodeId: string): Promise<RunningServer> {
  const node = await startServerProcess({
    ...commonEnv(),
    SKJERM_ROLE: 'signaling',
    SKJERM_NODE_ID: nodeId,
    SKJERM_OIDC_ISSUER: issuer.issuer,
    SKJERM_DATA_DIR: sharedDataDir,
  });
  processes.push(node);
  signalingNodes.set(nodeId, node);
  return node;
}

async function startMedia(nodeId: string, index: number): Promise<RunningServer> {
  const node = await startServerProcess({
    ...commonEnv(),
    SKJERM_ROLE: 'media',
    SKJERM_NODE_ID: nodeId,
    SKJERM_CLUSTER_PORT: '0',
    SKJERM_MEDIA_PORT: String(mediaPortBase + index),
    SKJERM_DATA_DIR: mkdtempSync(join(tmpdir(), 'skjerm-media-')),
  });
  processes.push(node);
  return node;
}

const quiet = { out: () => undefined, err: () => undefined, env: {}, cwd: process.cwd() };

/** A consultation's audit entries, from the database the signaling nodes share. */
function auditOf(consultationId: string): { type: string; detail?: unknown }[] {
  let out = '';
  const code = runAuditCli(
    // `=`: an id may begin with '-', which would read as an option of its own.
    ['export', `--consultation=${consultationId}`, '--db', join(sharedDataDir, 'skjerm.db')],
    {
      out: (text) => {
        out += text;
      },
      err: () => undefined,
      env: {},
      cwd: process.cwd(),
    },
  );
  if (code !== 0) throw new Error(`audit export failed (${code})`);
  return JSON.parse(out) as { type: string; detail?: unknown }[];
}

/** What the test helpers need of a server: its URL. */
const at = (node: RunningServer) => ({ url: node.url }) as unknown as SkjermServer;

/** Signs in on a node; the hello answer (with the resume token) and the client. */
async function connect(node: RunningServer, person: TestPerson, resume?: string) {
  const client = await SignalingClient.connect(node.url);
  clients.push(client);
  const hello = (await client.request('hello', {
    protocolVersion: 1,
    token: await issuer.token(person),
    ...(resume ? { resume } : {}),
  })) as RequestResult<'hello'>;
  return { client, hello };
}

async function receiveEachOther(a: MediaParticipant, b: MediaParticipant, after = 0) {
  await waitUntil(
    () => a.packetsFrom(b) > after + 15 && b.packetsFrom(a) > after + 15,
    'media both ways',
  );
}

/**
 * A GP on `holder` and a patient on `relay` in one consultation (booked on `holder`, so it
 * holds it; the patient's node relays her), both sending and receiving media.
 */
async function callAcross(holder: RunningServer, relay: RunningServer, patientPerson: TestPerson) {
  const booking = await book(at(holder), issuer as unknown as TestIssuer, people.clinician, {
    patients: [{ name: patientPerson.name, nationalId: (patientPerson as { pid: string }).pid }],
  });
  const id = booking.consultation.id;
  const gp = await connect(holder, people.clinician);
  const gpJoined = await enterAsClinician(gp.client, id);
  const patient = await connect(relay, patientPerson);
  await arrive(patient.client, inviteSecret(booking));
  const patientJoined = await admit(gp.client, patient.client, patientPerson.name);
  const host = new MediaParticipant(gp.client, gpJoined);
  const guest = new MediaParticipant(patient.client, patientJoined);
  participants.push(host, guest);
  await host.start();
  await guest.start();
  await receiveEachOther(host, guest);
  return { id, gp, patient, gpJoined, patientJoined, host, guest };
}

type Call = Awaited<ReturnType<typeof callAcross>>;

/**
 * Both clients of a call whose holder went away reconnect to `node` with their resume tokens
 * (what the SDK does on a dropped connection or 1012), get their places back and their media
 * starts over on new transports.
 */
async function resumeBothOn(node: RunningServer, call: Call, patientPerson: TestPerson) {
  const { gp, patient, host, guest, id } = call;
  await waitUntil(() => gp.client.socket.readyState === gp.client.socket.CLOSED, 'GP cut off');
  await waitUntil(
    () => patient.client.socket.readyState === patient.client.socket.CLOSED,
    'patient cut off',
  );
  const gpBack = await connect(node, people.clinician, gp.hello.resumeToken);
  const patientBack = await connect(node, patientPerson, patient.hello.resumeToken);
  expect(gpBack.hello.resumed).toMatchObject({ state: 'joined', consultationId: id });
  expect(patientBack.hello.resumed).toMatchObject({ state: 'joined', consultationId: id });
  host.client = gpBack.client;
  guest.client = patientBack.client;
  await waitUntil(() => host.resets.length > 0 && guest.resets.length > 0, 'media reset');
  await waitUntil(
    () => host.packetsFrom(guest) > 15 && guest.packetsFrom(host) > 15,
    'media both ways on the new transports',
  );
  return { gpBack, patientBack };
}

describe('scale-out: two signaling nodes share consultations through Redis', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    requireRedisServer();
    issuer = await LoopbackIssuer.start();
    redis = await startRedis();
    sharedDataDir = mkdtempSync(join(tmpdir(), 'skjerm-signaling-'));
    await Promise.all([startMedia('media-a', 0), startMedia('media-b', 4)]);
    const s1 = await startSignaling('signaling-1');
    const s2 = await startSignaling('signaling-2');
    signaling = { s1, s2 };
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
      for (const node of processes) await stopServerProcess(node);
    });
    await settle(async () => {
      await redis?.stop();
    });
    await settle(async () => {
      await issuer?.close();
    });
  });

  it('a patient on one node and the clinician on the other are in one call; when the holding node dies, both resume on the other', async () => {
    const { s1, s2 } = signaling;
    const call = await callAcross(s1, s2, people.patient);
    const { host, guest, gp, gpJoined, patientJoined } = call;
    expect(patientJoined.roster.map((m) => m.name)).toEqual(['Dr. Kari Nordmann', 'Ola Pasient']);
    // The patient's join was handed over before her invite was checked: it is audited once,
    // by the holder, in the audit log the signaling nodes share (and its chain is whole).
    const entries = auditOf(call.id);
    expect(entries.filter((e) => e.type === 'invite-opened')).toHaveLength(1);
    expect(entries.filter((e) => e.type === 'waiting')).toHaveLength(1);
    expect(runAuditCli(['verify', '--db', join(sharedDataDir, 'skjerm.db')], quiet)).toBe(0);

    // The node holding the consultation dies; the patient's node tells her client to
    // reconnect (1012), the GP's connection simply drops.
    const killedAt = Date.now();
    s1.child.kill('SIGKILL');
    const { gpBack } = await resumeBothOn(s2, call, people.patient);
    const backWithin = Date.now() - killedAt;
    console.info(`signaling node killed: both clients resumed with media in ${backWithin} ms`);
    expect(backWithin).toBeLessThan(15_000);
    expect([host.resets[0]?.reason, guest.resets[0]?.reason]).toEqual([
      'signaling-node-lost',
      'signaling-node-lost',
    ]);
    const roster = await gpBack.client.until('rosterChanged', (data) => data.roster.length === 2);
    expect(roster.roster.map((m) => m.participantId).sort()).toEqual(
      [gpJoined.participantId, patientJoined.participantId].sort(),
    );
    expect((await guest.decryptFrom(host)).failed).toBe(0);
    // The token whose place was taken over is spent: used again, it resumes nothing.
    const replay = await connect(s2, people.clinician, gp.hello.resumeToken);
    expect(replay.hello.resumed).toBeUndefined();
    expect(gpBack.client.socket.readyState).toBe(gpBack.client.socket.OPEN);
  }, 90_000);

  it('Redis stopped for 5 s: the call keeps its media, relayed signaling comes back, and a later failure is still taken over', async () => {
    const { s2 } = signaling;
    const s3 = await startSignaling('signaling-3');
    const call = await callAcross(s2, s3, people.secondPatient);
    const { gp, patient, host, guest, patientJoined } = call;

    await redis.stop();
    const atStop = guest.packetsFrom(host);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const atFour = guest.packetsFrom(host);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Sent at 50 frames per second (a busy machine sends fewer): media went on the whole
    // time, still arriving in the outage's last second.
    expect(atFour - atStop).toBeGreaterThan(40);
    expect(guest.packetsFrom(host) - atFour).toBeGreaterThan(5);
    await redis.restart();
    // Relayed frames waited for Redis instead of being lost: the patient's connection,
    // relayed through Redis pub/sub, is still the same one.
    expect(patient.client.socket.readyState).toBe(patient.client.socket.OPEN);
    // Relayed signaling works again: the GP (on the holder) mutes the patient (relayed).
    await gp.client.request('mute', { participantId: patientJoined.participantId, kind: 'video' });
    await patient.client.waitFor('mutedByHost', (data) => data.kind === 'video');
    expect(host.resets).toEqual([]);

    // What the holder shared was written again: its death is still recovered.
    s2.child.kill('SIGKILL');
    await resumeBothOn(s3, call, people.secondPatient);
  }, 90_000);

  it('a signaling node stopped on purpose (rolling restart) sends its clients to resume elsewhere, nobody leaves', async () => {
    const s3 = signalingNodes.get('signaling-3');
    if (!s3) throw new Error('no signaling-3');
    const s4 = await startSignaling('signaling-4');
    const call = await callAcross(s3, s4, people.thirdPatient);
    const closeCodes = [call.gp.client, call.patient.client].map(
      (client) => new Promise<number>((resolve) => client.socket.once('close', resolve)),
    );
    expect(await stopServerProcess(s3)).toBe(0);
    // 1012: reconnect and resume (not 1001, after which a client would not come back).
    expect(await Promise.all(closeCodes)).toEqual([1012, 1012]);
    const { gpBack } = await resumeBothOn(s4, call, people.thirdPatient);
    const roster = await gpBack.client.until('rosterChanged', (data) => data.roster.length === 2);
    expect(roster.roster.map((m) => m.name).sort()).toEqual(
      ['Dr. Kari Nordmann', people.thirdPatient.name].sort(),
    );
  }, 90_000);

  it('a holder that stalls past its lease (SIGSTOP) loses the call to another node, and lets go when it wakes', async () => {
    const s4 = signalingNodes.get('signaling-4');
    if (!s4) throw new Error('no signaling-4');
    const s5 = await startSignaling('signaling-5');
    const call = await callAcross(s4, s5, people.patient);
    const { gp, patient, host, guest } = call;

    s4.child.kill('SIGSTOP');
    try {
      // The patient's node finds the holder gone and sends her to resume; the call is taken
      // over once the frozen holder's lease has run out.
      await waitUntil(
        () => patient.client.socket.readyState === patient.client.socket.CLOSED,
        'patient sent to reconnect',
      );
      const patientBack = await connect(s5, people.patient, patient.hello.resumeToken);
      expect(patientBack.hello.resumed).toMatchObject({ state: 'joined', consultationId: call.id });
      guest.client = patientBack.client;
    } finally {
      s4.child.kill('SIGCONT');
    }
    // Awake, the old holder sees its lease taken and sends the GP over (1012): no two nodes
    // go on holding the call, and the GP's resume goes to the new holder, not back and forth.
    const gpClosed = await new Promise<number>((resolve) => {
      if (gp.client.socket.readyState === gp.client.socket.CLOSED) resolve(1012);
      else gp.client.socket.once('close', resolve);
    });
    expect(gpClosed).toBe(1012);
    const gpBack = await connect(s4, people.clinician, gp.hello.resumeToken);
    expect(gpBack.hello.resumed).toMatchObject({ state: 'joined', consultationId: call.id });
    host.client = gpBack.client;
    await waitUntil(() => host.resets.length > 0 && guest.resets.length > 0, 'media reset');
    await waitUntil(
      () => host.packetsFrom(guest) > 15 && guest.packetsFrom(host) > 15,
      'media both ways on the new transports',
    );
  }, 90_000);

  it('after a take-over, someone who never resumes leaves the call, and that is audited', async () => {
    const s4 = signalingNodes.get('signaling-4');
    const s5 = signalingNodes.get('signaling-5');
    if (!s4 || !s5) throw new Error('no signaling-4 or -5');
    const call = await callAcross(s5, s4, people.thirdPatient);
    const { gp, patient, patientJoined } = call;
    s5.child.kill('SIGKILL');
    await waitUntil(() => gp.client.socket.readyState === gp.client.socket.CLOSED, 'GP cut off');
    // The patient's client is told to reconnect (once her node has seen the holder gone), and
    // does not (a closed laptop); the GP resumes.
    await waitUntil(
      () => patient.client.socket.readyState === patient.client.socket.CLOSED,
      'patient cut off',
    );
    const gpBack = await connect(s4, people.clinician, gp.hello.resumeToken);
    expect(gpBack.hello.resumed).toMatchObject({ state: 'joined', consultationId: call.id });
    await gpBack.client.until('rosterChanged', (data) => data.roster.length === 1, 25_000);
    const left = auditOf(call.id).filter((entry) => entry.type === 'left');
    expect(left).toContainEqual(
      expect.objectContaining({
        detail: {
          participantId: patientJoined.participantId,
          reason: 'did-not-resume-after-takeover',
        },
      }),
    );
  }, 90_000);
});
