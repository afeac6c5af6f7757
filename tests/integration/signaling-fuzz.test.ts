import type { SkjermServer } from '@skjerm/server';
import { getSupportedRtpCapabilities } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admit,
  arrive,
  book,
  enterAsClinician,
  inviteSecret,
  signIn,
} from '../support/consultations.ts';
import { PlainRtpPeer } from '../support/plain-rtp-peer.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

/** Deterministic PRNG (mulberry32) so a failing run can be replayed from its seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

const key = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

/** Plausible params per method: the mutations start from messages the server would accept. */
function templates(
  token: string,
  consultationId: string,
  invite: string,
): Record<string, unknown>[] {
  const capabilities = getSupportedRtpCapabilities();
  return [
    { method: 'hello', params: { protocolVersion: 1, token } },
    {
      method: 'join',
      params: {
        consultationId,
        e2ee: { boxPublicKey: key(), signPublicKey: key() },
        rtpCapabilities: capabilities,
      },
    },
    {
      method: 'join',
      params: {
        invite,
        confirmGroup: true,
        e2ee: { boxPublicKey: key(), signPublicKey: key() },
        rtpCapabilities: capabilities,
      },
    },
    { method: 'inspectInvite', params: { invite } },
    { method: 'admit', params: { waitingId: 'w' } },
    { method: 'deny', params: { waitingId: 'w' } },
    { method: 'mute', params: { participantId: 'p', kind: 'audio' } },
    { method: 'remove', params: { participantId: 'p' } },
    { method: 'createTransport', params: { direction: 'send', type: 'plain' } },
    { method: 'createTransport', params: { direction: 'recv', type: 'webrtc' } },
    { method: 'connectTransport', params: { transportId: 'abc', ip: '127.0.0.1', port: 5000 } },
    {
      method: 'connectTransport',
      params: { transportId: 'abc', dtlsParameters: { role: 'client', fingerprints: [] } },
    },
    { method: 'restartIce', params: { transportId: 'abc' } },
    {
      method: 'produce',
      params: {
        transportId: 'abc',
        kind: 'video',
        rtpParameters: {
          codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
          encodings: [{ ssrc: 1 }],
        },
        sframe: { cipherSuite: 4, kids: [65536] },
      },
    },
    { method: 'announceKids', params: { producerId: 'p', kids: [65537] } },
    { method: 'closeProducer', params: { producerId: 'p' } },
    { method: 'setProducerPaused', params: { producerId: 'p', paused: true } },
    { method: 'consume', params: { transportId: 't', producerId: 'p' } },
    { method: 'resumeConsumer', params: { consumerId: 'c' } },
    { method: 'relayKeys', params: { envelopes: [{ to: 'someone', envelope: { v: 1 } }] } },
    { method: 'leave', params: {} },
  ];
}

const strangeValues: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  -(2 ** 63),
  Number.MAX_VALUE,
  '',
  'x'.repeat(70_000),
  '\u0000',
  '\ud800',
  '<script>',
  [],
  [[[[[]]]]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  '127.0.0.2',
  '0.0.0.0',
  'NaN',
  '-0',
];

type Rng = ReturnType<typeof prng>;

/** Replaces, removes or adds one value somewhere in a JSON value. */
function mutateValue(value: unknown, rng: Rng, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4 || rng.next() < 0.25) {
    return rng.pick(strangeValues);
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || rng.next() < 0.2) copy.push(rng.pick(strangeValues));
    else {
      const i = rng.int(copy.length);
      copy[i] = mutateValue(copy[i], rng, depth + 1);
    }
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const choice = rng.next();
  if (keys.length === 0 || choice < 0.15)
    copy[rng.pick(['__proto__', 'constructor', 'extra', 'id', 'method'])] = rng.pick(strangeValues);
  else if (choice < 0.3) delete copy[rng.pick(keys)];
  else {
    const k = rng.pick(keys);
    copy[k] = mutateValue(copy[k], rng, depth + 1);
  }
  return copy;
}

/** One fuzzed frame: a mutated request, broken JSON, or raw garbage. */
function fuzzFrame(rng: Rng, id: number, base: Record<string, unknown>[]): string | Buffer {
  const kind = rng.next();
  const request = { id, ...rng.pick(base) };
  if (kind < 0.6) return JSON.stringify(mutateValue(request, rng));
  if (kind < 0.7) return JSON.stringify(request).slice(0, rng.int(40));
  if (kind < 0.8) return Buffer.from(crypto.getRandomValues(new Uint8Array(1 + rng.int(200))));
  if (kind < 0.85) return `${'['.repeat(5000)}${']'.repeat(5000)}`;
  if (kind < 0.9)
    return JSON.stringify({
      ...request,
      method: rng.pick(['', 'hello ', 'HELLO', 'toString', '__proto__', 'x'.repeat(65)]),
    });
  return JSON.stringify(request); // valid, but usually out of order or naming unknown ids
}

describe('signaling under fuzzed input', () => {
  let issuer: TestIssuer;
  let server: SkjermServer;

  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    // The rate limit would cut the fuzzing short; it has its own test.
    server = await startTestServer(testKeySource(issuer), {
      SKJERM_WS_MESSAGES_PER_SECOND: '1000000',
    });
  });

  afterAll(() => server?.close());

  it('answers 10,000 malformed and mutated messages with errors, never crashes, then serves a normal call', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261129);
    const rng = prng(seed);
    const token = await issuer.token(people.clinician);
    const fuzzed = await book(server, issuer, people.clinician);
    const base = templates(token, fuzzed.consultation.id, inviteSecret(fuzzed));
    const total = 10_000;
    const perConnection = 500;
    let sent = 0;
    const codes = new Map<string, number>();
    while (sent < total) {
      const client = await SignalingClient.connect(server.url);
      // Half the connections fuzz after a real hello and join, reaching the handlers.
      if ((sent / perConnection) % 2 === 1) {
        await client.request('hello', { protocolVersion: 1, token });
        await client.request('join', {
          consultationId: fuzzed.consultation.id,
          e2ee: { boxPublicKey: key(), signPublicKey: key() },
          rtpCapabilities: getSupportedRtpCapabilities() as unknown as Record<string, unknown>,
        });
      }
      for (let i = 0; i < perConnection; i++) client.sendRaw(fuzzFrame(rng, 1000 + i, base));
      sent += perConnection;
      // Every frame is answered (or the socket closed for a frame beyond the hard size cap).
      await expect
        .poll(() => client.rawResponses.length >= perConnection || client.closeCode !== undefined, {
          timeout: 20_000,
        })
        .toBe(true);
      for (const response of client.rawResponses) {
        const code = response.ok ? 'ok' : (response.error?.code ?? '?');
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      await client.close();
    }
    expect(sent).toBeGreaterThanOrEqual(10_000);
    // No request reached a state where the server itself failed.
    expect(codes.get('internal') ?? 0).toBe(0);
    expect(codes.get('bad-request')).toBeGreaterThan(1000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The server still works for a normal call.
    const booking = await book(server, issuer, people.clinician);
    const a = await signIn(server, issuer, people.clinician);
    const b = await signIn(server, issuer, people.patient);
    const ja = await enterAsClinician(a, booking.consultation.id);
    await arrive(b, inviteSecret(booking));
    await admit(a, b, people.patient.name);
    const kid = ja.senderSlot * 0x1_0000;
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(a, 'audio', [kid]);
    const source = await PlainRtpPeer.open();
    const sink = await PlainRtpPeer.open();
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'audio',
      sframe: await PlainRtpPeer.sframeSender(kid),
      frames: 500,
      intervalMs: 10,
      stopped: () => stop,
    });
    await b.waitFor('newProducer', (data) => data.producerId === producerId);
    const transportId = await sink.receiveTransport(b);
    const consumer = await b.request('consume', { transportId, producerId });
    await b.request('resumeConsumer', { consumerId: consumer.consumerId });
    await expect.poll(() => sink.received.length, { timeout: 5000 }).toBeGreaterThan(10);
    stop = true;
    await sending;
    for (const closable of [source, sink]) closable.close();
    await a.close();
    await b.close();
  }, 180_000);
});
