import { inspectProtectedFrame } from '@skjerm/sframe';
import type { types as mediasoupTypes } from 'mediasoup';
import { rtpPayload, vp8FrameStart } from './rtp-packet.ts';

export interface SFrameGuardOptions {
  /** Well-formed frames needed before others may consume the producer. */
  framesToVerify: number;
  /** Frames inspected per sample before the tap pauses. */
  framesPerSample: number;
  /** Failed frames within one sample that condemn the producer. */
  maxFailures: number;
  /** Pause between samples (ms). */
  resampleIntervalMs: number;
}

export const defaultSFrameGuardOptions: SFrameGuardOptions = {
  framesToVerify: 5,
  framesPerSample: 30,
  // More than one: a sender may switch to a new key a moment before its announcement of the
  // new KID reaches the server; plaintext fails every single frame.
  maxFailures: 3,
  resampleIntervalMs: 30_000,
};

export type GuardVerdict = { reason: string; detail: string };

export interface GuardListener {
  /** Called once, when the first `framesToVerify` frames were SFrame with announced KIDs. */
  onVerified: () => void;
  /** Called once, when the producer is condemned; the guard has stopped. */
  onViolation: (verdict: GuardVerdict) => void;
}

/**
 * Watches one producer's frames and condemns it if they are not SFrame with its announced
 * KIDs. It consumes the producer on the room's DirectTransport, so the worker copies packets
 * to Node only while a sample runs: the first `framesPerSample` frames, then again every
 * `resampleIntervalMs`. (Resuming a video tap makes mediasoup ask the sender for a key frame;
 * one extra key frame per interval is the price of checking video that has been flowing.)
 */
export class SFrameGuard {
  readonly #consumer: mediasoupTypes.Consumer;
  readonly #codec: string;
  readonly #cipherSuite: number;
  readonly #options: SFrameGuardOptions;
  readonly #listener: GuardListener;
  #kids: Set<bigint>;
  #inspected = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #good = 0;
  #verified = false;
  /** Frames inspected over the guard's life (for metrics and tests). */
  framesInspected = 0;

  private constructor(
    consumer: mediasoupTypes.Consumer,
    cipherSuite: number,
    kids: Iterable<number>,
    options: SFrameGuardOptions,
    listener: GuardListener,
  ) {
    this.#consumer = consumer;
    this.#codec = consumer.rtpParameters.codecs[0]?.mimeType ?? '';
    this.#cipherSuite = cipherSuite;
    this.#kids = toKidSet(kids);
    this.#options = options;
    this.#listener = listener;
    consumer.on('rtp', (packet) => this.#onRtp(packet));
    consumer.on('transportclose', () => this.close());
    consumer.on('producerclose', () => this.close());
  }

  static async start(
    tap: mediasoupTypes.DirectTransport,
    router: mediasoupTypes.Router,
    producer: mediasoupTypes.Producer,
    sframe: { cipherSuite: number; kids: readonly number[] },
    options: SFrameGuardOptions,
    listener: GuardListener,
  ): Promise<SFrameGuard> {
    const consumer = await tap.consume({
      producerId: producer.id,
      rtpCapabilities: router.rtpCapabilities,
    });
    return new SFrameGuard(consumer, sframe.cipherSuite, sframe.kids, options, listener);
  }

  /** The sender's KIDs changed (rotation or ratchet). */
  setKids(kids: Iterable<number>): void {
    this.#kids = toKidSet(kids);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#consumer.close();
  }

  #onRtp(packet: Buffer): void {
    if (this.#closed) return;
    const payload = rtpPayload(packet);
    if (!payload) return;
    const frame = this.#codec.toLowerCase() === 'video/vp8' ? vp8FrameStart(payload) : payload;
    if (!frame) return;
    this.framesInspected++;
    const result = inspectProtectedFrame({
      codec: this.#codec,
      cipherSuite: this.#cipherSuite,
      data: frame,
      expectedKids: this.#kids,
    });
    if (!result.wellFormed) {
      this.#failures++;
      if (this.#failures >= this.#options.maxFailures) {
        this.close();
        this.#listener.onViolation({ reason: result.reason, detail: result.detail });
        return;
      }
    } else if (!this.#verified && ++this.#good >= this.#options.framesToVerify) {
      this.#verified = true;
      this.#listener.onVerified();
    }
    // Sampling pauses only once verified: an unverified producer reaches nobody anyway.
    if (++this.#inspected >= this.#options.framesPerSample && this.#verified) {
      this.#pauseUntilNextSample();
    }
  }

  #pauseUntilNextSample(): void {
    this.#inspected = 0;
    this.#failures = 0;
    void this.#consumer.pause().catch(() => undefined);
    // Jittered (0.5x to 1.5x), so a sender cannot time plaintext between samples.
    const delay = this.#options.resampleIntervalMs * (0.5 + Math.random());
    this.#timer = setTimeout(() => {
      if (!this.#closed) void this.#consumer.resume().catch(() => undefined);
    }, delay);
    this.#timer.unref();
  }
}

function toKidSet(kids: Iterable<number>): Set<bigint> {
  return new Set([...kids].map((kid) => BigInt(kid)));
}
