import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { encodeHeader } from '@skjerm/sframe';
import mediasoup, { type types as mediasoupTypes } from 'mediasoup';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { routerMediaCodecs } from './codecs.ts';
import {
  defaultSFrameGuardOptions,
  type GuardVerdict,
  SFrameGuard,
  type SFrameGuardOptions,
  tapCapabilities,
} from './sframe-guard.ts';

const KID = 0x05_0001;
const NEXT_KID = 0x05_0002;
const AES_128_GCM_SHA256_128 = 4;
const options: SFrameGuardOptions = {
  ...defaultSFrameGuardOptions,
  resampleIntervalMs: 30_000,
  sampleTimeoutMs: 10_000,
};

/**
 * A DirectTransport consumer as the guard sees it. Like mediasoup's worker, it delivers
 * packets only while resumed, counts every packet the producer receives, and a resumed video
 * consumer delivers nothing before a key frame.
 */
class FakeTapConsumer extends EventEmitter {
  readonly rtpParameters: { codecs: { mimeType: string }[] };
  paused = false;
  producerPaused = false;
  closed = false;
  pauses = 0;
  resumes = 0;
  keyFrameRequests = 0;
  producerPackets = 0;
  #synced = true;
  readonly #video: boolean;

  constructor(mimeType: string) {
    super();
    this.rtpParameters = { codecs: [{ mimeType }] };
    this.#video = mimeType === 'video/VP8';
  }

  /** The sender sends one packet; `keyFrameStart` marks the first packet of a VP8 key frame. */
  receive(packet: Uint8Array, keyFrameStart = false): void {
    this.producerPackets++;
    if (this.paused || this.producerPaused || this.closed) return;
    if (this.#video && !this.#synced && !keyFrameStart) return;
    this.#synced = true;
    this.emit('rtp', Buffer.from(packet));
  }

  async pause() {
    this.paused = true;
    this.pauses++;
  }

  async resume() {
    this.paused = false;
    this.resumes++;
    // mediasoup resyncs a resumed consumer on a key frame and asks the sender for one.
    if (this.#video) {
      this.#synced = false;
      this.keyFrameRequests++;
    }
  }

  async requestKeyFrame() {
    this.keyFrameRequests++;
  }

  async getStats() {
    return [
      { type: 'outbound-rtp', packetCount: 0 },
      { type: 'inbound-rtp', packetCount: this.producerPackets },
    ];
  }

  close() {
    this.closed = true;
  }
}

function rtp(payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(12 + payload.length);
  packet[0] = 0x80;
  packet.set(payload, 12);
  return packet;
}

function filler(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 151 + seed * 29 + 7) & 0xff);
}

/**
 * A VP8 frame's first RTP packet, protected or plaintext. The payload descriptor is a
 * browser's (RFC 7741 §4.2: X=1, S=1, partition 0, a 15-bit picture ID); mediasoup recognises
 * key frames only behind an extended descriptor.
 */
function vp8Packet(frame: { key: boolean; kid?: number; ctr?: number; plaintext?: boolean }) {
  const pictureId = (frame.ctr ?? 1) & 0x7fff;
  const descriptor = [0x90, 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff];
  const clear = frame.key ? 10 : 3;
  const prefix = filler(clear, 1);
  prefix[0] = frame.key ? 0x10 : 0x11;
  if (frame.key) prefix.set([0x9d, 0x01, 0x2a], 3);
  const rest = frame.plaintext
    ? filler(80, 3)
    : [...encodeHeader(BigInt(frame.kid ?? KID), BigInt(frame.ctr ?? 1)), ...filler(56, 2)];
  return rtp(Uint8Array.from([...descriptor, ...prefix, ...rest]));
}

/** A later packet of a VP8 frame (S=0): ciphertext or plaintext, nobody can tell. */
function vp8Continuation() {
  return rtp(Uint8Array.from([0x80, 0x80, 0x80, 0x01, ...filler(200, 4)]));
}

function opusPacket(frame: { kid?: number; plaintext?: boolean } = {}) {
  const body = frame.plaintext
    ? filler(60, 5)
    : [...encodeHeader(BigInt(frame.kid ?? KID), 1n), ...filler(40, 6)];
  return rtp(Uint8Array.from(body));
}

async function startGuard(mimeType: 'video/VP8' | 'audio/opus') {
  const consumer = new FakeTapConsumer(mimeType);
  const tap = { consume: async () => consumer } as unknown as mediasoupTypes.DirectTransport;
  const router = { rtpCapabilities: {} } as unknown as mediasoupTypes.Router;
  const producer = { id: 'producer-1' } as unknown as mediasoupTypes.Producer;
  const events: { verified: number; violations: GuardVerdict[] } = { verified: 0, violations: [] };
  const guard = await SFrameGuard.start(
    tap,
    router,
    producer,
    { cipherSuite: AES_128_GCM_SHA256_128, kids: [KID] },
    options,
    {
      onVerified: () => events.verified++,
      onViolation: (verdict) => events.violations.push(verdict),
    },
  );
  return { guard, consumer, events };
}

/** Sends `count` protected VP8 frames, the first a key frame, each with two more packets. */
function sendVideo(consumer: FakeTapConsumer, count: number, kid = KID) {
  for (let i = 0; i < count; i++) {
    consumer.receive(vp8Packet({ key: i === 0, kid, ctr: i }), i === 0);
    consumer.receive(vp8Continuation());
    consumer.receive(vp8Continuation());
  }
}

/** Lets the jittered pause run out: Math.random() = 0.5 makes it exactly the interval. */
async function untilNextSample() {
  await vi.advanceTimersByTimeAsync(options.resampleIntervalMs);
}

describe('SFrameGuard', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('announces a producer after five SFrame frames and then pauses its tap', async () => {
    const { guard, consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 4);
    expect(events.verified).toBe(0);
    sendVideo(consumer, 1);
    expect(events.verified).toBe(1);
    expect(consumer.pauses).toBe(1);
    sendVideo(consumer, 20);
    expect(guard.framesInspected).toBe(5);
  });

  it('samples again after the jittered interval: the key frame it resyncs on and three delta frames', async () => {
    const { guard, consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    await vi.advanceTimersByTimeAsync(options.resampleIntervalMs - 1);
    expect(consumer.resumes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(consumer.resumes).toBe(1);
    expect(guard.resamples).toBe(1);
    // Delta frames before the key frame are not delivered to a resynchronising tap.
    consumer.receive(vp8Packet({ key: false }));
    sendVideo(consumer, 10);
    expect(guard.framesInspected).toBe(5 + options.framesPerSample);
    expect(consumer.pauses).toBe(2);
    expect(events.violations).toEqual([]);
  });

  it('condemns a producer that switched to plaintext after verification at its next sample', async () => {
    const { consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    // While the tap is paused the worker copies nothing: the switch is not seen yet.
    for (let i = 0; i < 30; i++) consumer.receive(vp8Packet({ key: false, plaintext: true }));
    expect(events.violations).toEqual([]);
    await untilNextSample();
    consumer.receive(vp8Packet({ key: true, plaintext: true }), true);
    for (let i = 0; i < 2; i++) consumer.receive(vp8Packet({ key: false, plaintext: true }));
    expect(events.violations).toHaveLength(1);
    expect(consumer.closed).toBe(true);
  });

  it('condemns a sender that encrypts its key frames but not its delta frames', async () => {
    const { consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    await untilNextSample();
    consumer.receive(vp8Packet({ key: true }), true);
    for (let i = 0; i < 3; i++) consumer.receive(vp8Packet({ key: false, plaintext: true }));
    expect(events.violations).toHaveLength(1);
  });

  it('condemns intermittent plaintext: a failure keeps the sample open until a clean run', async () => {
    const { consumer, events } = await startGuard('audio/opus');
    for (let i = 0; i < 5; i++) consumer.receive(opusPacket());
    await untilNextSample();
    for (let i = 0; i < 3; i++) {
      consumer.receive(opusPacket({ plaintext: true }));
      consumer.receive(opusPacket());
      consumer.receive(opusPacket());
    }
    expect(events.violations).toHaveLength(1);
  });

  it('tolerates a key switch that races its announcement, and forgives it after a clean run', async () => {
    const { guard, consumer, events } = await startGuard('audio/opus');
    for (let i = 0; i < 5; i++) consumer.receive(opusPacket());
    for (let sample = 0; sample < 3; sample++) {
      await untilNextSample();
      const kid = sample % 2 === 0 ? NEXT_KID : KID;
      // Two frames under the new key arrive before its announcement does.
      consumer.receive(opusPacket({ kid }));
      consumer.receive(opusPacket({ kid }));
      expect(consumer.paused).toBe(false);
      guard.setKids([kid]);
      for (let i = 0; i < options.framesPerSample; i++) consumer.receive(opusPacket({ kid }));
      expect(consumer.paused).toBe(true);
    }
    expect(events.violations).toEqual([]);
  });

  it('condemns a producer that sends media but nothing to inspect (no key frame for the tap to resync on)', async () => {
    const { consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    await untilNextSample();
    const requested = consumer.keyFrameRequests;
    // Delta frames only, PLIs ignored: mediasoup keeps them all from the resumed tap.
    const sending = setInterval(() => {
      consumer.receive(vp8Packet({ key: false, plaintext: true }));
      consumer.receive(vp8Continuation());
    }, 33);
    await vi.advanceTimersByTimeAsync(options.sampleTimeoutMs);
    clearInterval(sending);
    expect(consumer.keyFrameRequests).toBeGreaterThan(requested + 2);
    expect(events.violations).toEqual([
      expect.objectContaining({ reason: 'uninspectable' }) as GuardVerdict,
    ]);
  });

  it('condemns a producer whose packets never start a frame', async () => {
    const { consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    await untilNextSample();
    consumer.receive(vp8Packet({ key: true }), true);
    const sending = setInterval(() => consumer.receive(vp8Continuation()), 10);
    await vi.advanceTimersByTimeAsync(2 * options.sampleTimeoutMs);
    clearInterval(sending);
    expect(events.violations.map((v) => v.reason)).toEqual(['uninspectable']);
  });

  it('ends a sample without a verdict when the sender sends nothing, and samples again later', async () => {
    const { consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    await untilNextSample();
    await vi.advanceTimersByTimeAsync(options.sampleTimeoutMs);
    expect(consumer.pauses).toBe(2);
    expect(events.violations).toEqual([]);
    await untilNextSample();
    expect(consumer.resumes).toBe(2);
  });

  it('does not hold media against a producer its owner paused', async () => {
    const { consumer, events } = await startGuard('audio/opus');
    for (let i = 0; i < 5; i++) consumer.receive(opusPacket());
    consumer.producerPaused = true;
    consumer.emit('producerpause');
    await untilNextSample();
    // The worker still counts what a paused producer receives; it forwards none of it.
    const sending = setInterval(() => consumer.receive(opusPacket({ plaintext: true })), 20);
    await vi.advanceTimersByTimeAsync(3 * options.sampleTimeoutMs);
    clearInterval(sending);
    expect(events.violations).toEqual([]);
  });

  it('restarts the clock when the producer resumes, and checks what follows', async () => {
    const { consumer, events } = await startGuard('audio/opus');
    for (let i = 0; i < 5; i++) consumer.receive(opusPacket());
    await untilNextSample();
    consumer.producerPaused = true;
    for (let i = 0; i < 400; i++) consumer.receive(opusPacket());
    await vi.advanceTimersByTimeAsync(options.sampleTimeoutMs - 100);
    consumer.producerPaused = false;
    consumer.emit('producerresume');
    await vi.advanceTimersByTimeAsync(200);
    expect(events.violations).toEqual([]);
    for (let i = 0; i < 3; i++) consumer.receive(opusPacket({ plaintext: true }));
    expect(events.violations).toHaveLength(1);
  });

  it('stops sampling and closes its tap when the producer closes', async () => {
    const { consumer, events } = await startGuard('video/VP8');
    sendVideo(consumer, 5);
    consumer.emit('producerclose');
    expect(consumer.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(10 * options.resampleIntervalMs);
    expect(consumer.resumes).toBe(0);
    expect(events.violations).toEqual([]);
  });
});

describe('SFrameGuard on a mediasoup worker', () => {
  let worker: mediasoupTypes.Worker;
  let router: mediasoupTypes.Router;
  const socket = createSocket('udp4');

  beforeAll(async () => {
    if (!process.env.MEDIASOUP_WORKER_BIN) {
      throw new Error(
        'MEDIASOUP_WORKER_BIN must name the worker the bootstrap built (npm test sets it)',
      );
    }
    worker = await mediasoup.createWorker({ logLevel: 'warn' });
    router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });
  });

  afterAll(() => {
    socket.close();
    worker?.close();
  });

  it('taps video without a congestion controller, NACK or header extensions', async () => {
    const capabilities = tapCapabilities(router.rtpCapabilities);
    const vp8 = capabilities.codecs?.find((codec) => codec.mimeType === 'video/VP8');
    expect(vp8?.rtcpFeedback).toEqual([
      { type: 'nack', parameter: 'pli' },
      { type: 'ccm', parameter: 'fir' },
    ]);
    expect(capabilities.headerExtensions).toEqual([]);

    const send = await router.createPlainTransport({
      listenIp: { ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: true,
    });
    const producer = await send.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
        encodings: [{ ssrc: 0x1234 }],
      },
    });
    const tap = await router.createDirectTransport();
    let onVerified = () => {};
    const verified = new Promise<void>((resolve) => {
      onVerified = resolve;
    });
    const violations: GuardVerdict[] = [];
    await SFrameGuard.start(
      tap,
      router,
      producer,
      { cipherSuite: AES_128_GCM_SHA256_128, kids: [KID] },
      options,
      { onVerified, onViolation: (verdict) => violations.push(verdict) },
    );
    // mediasoup gives a transport a congestion controller (a pacer waking every 5 ms) with its
    // first video consumer that has transport-cc; the transport's stats show it.
    expect((await tap.getStats())[0]?.availableOutgoingBitrate).toBeUndefined();
    sendFrames(socket, send.tuple.localPort, 0, 5);
    await verified;

    // Between samples the worker copies nothing to Node.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = (await tap.getStats())[0]?.rtpBytesSent;
    sendFrames(socket, send.tuple.localPort, 5, 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await tap.getStats())[0]?.rtpBytesSent).toBe(before);
    expect((await producer.getStats())[0]?.packetCount).toBe(35);
    expect(violations).toEqual([]);
  });
});

/** Sends SFrame VP8 frames `from` .. `from + count - 1` to the plain transport, one packet each. */
function sendFrames(socket: Socket, port: number, from: number, count: number) {
  for (let i = from; i < from + count; i++) {
    const packet = vp8Packet({ key: i === 0, ctr: i });
    packet[1] = 101;
    new DataView(packet.buffer).setUint16(2, i);
    new DataView(packet.buffer).setUint32(4, i * 3000);
    new DataView(packet.buffer).setUint32(8, 0x1234);
    socket.send(packet, port, '127.0.0.1');
  }
}
