import { inspectProtectedFrame } from '@skjerm/sframe';
import type { types as mediasoupTypes } from 'mediasoup';
import { rtpPayload, vp8FrameStart } from './rtp-packet.ts';

export interface SFrameGuardOptions {
  /** Well-formed frames needed before others may consume the producer. */
  framesToVerify: number;
  /** Consecutive well-formed frames that end a sample; the tap pauses then. */
  framesPerSample: number;
  /** Failed frames that condemn the producer; only `framesPerSample` clean ones forgive them. */
  maxFailures: number;
  /** Mean pause between samples (ms); each pause is jittered to 0.5x to 1.5x. */
  resampleIntervalMs: number;
  /**
   * A sample that inspected no frame for this long although the producer received media
   * condemns it (ms): media the guard cannot inspect is not forwarded.
   */
  sampleTimeoutMs: number;
}

export const defaultSFrameGuardOptions: SFrameGuardOptions = {
  framesToVerify: 5,
  // A resumed video tap starts on a key frame (mediasoup asks the sender for one), so a sample
  // of 4 is that key frame and 3 delta frames: both VP8 layouts (10 and 3 clear bytes) are
  // checked. Plaintext passes the check with probability 2^-28 per frame (3-byte KIDs, see
  // docs/signaling.md), so a longer clean run adds no confidence; a failure keeps the sample
  // open instead (see #onFrame).
  framesPerSample: 4,
  // More than one: a sender may switch to a new key a moment before its announcement of the
  // new KID reaches the server; plaintext fails every single frame.
  maxFailures: 3,
  resampleIntervalMs: 30_000,
  sampleTimeoutMs: 10_000,
};

export type GuardVerdict = { reason: string; detail: string };

export interface GuardListener {
  /** Called once, when the first `framesToVerify` frames were SFrame with announced KIDs. */
  onVerified: () => void;
  /** Called once, when the producer is condemned; the guard has stopped. */
  onViolation: (verdict: GuardVerdict) => void;
}

/**
 * Packets the producer must have received during an unfinished sample for the guard to
 * conclude that it was sent media it could not inspect (rather than nothing: a stopped camera,
 * a transport not yet connected). Half a second of audio; well above the few padding-only
 * packets a sender probes bandwidth with.
 */
const MEDIA_FLOWING_PACKETS = 50;

/**
 * While a video sample has seen no frame, how often to ask the sender again for the key frame
 * the tap waits for (ms). mediasoup repeats an unanswered request once, after 1 s.
 */
const KEY_FRAME_RETRY_MS = 2_000;

type GuardState = 'verifying' | 'sampling' | 'paused';

/**
 * Watches one producer's frames and condemns it if they are not SFrame with its announced
 * KIDs. It consumes the producer on the room's DirectTransport, so the worker copies packets
 * to Node only while a sample runs: from the start until the producer is verified, then for
 * `framesPerSample` frames every `resampleIntervalMs` (jittered), the tap paused in between.
 * Only a frame's first packet carries the SFrame header, but the tap receives all of a
 * frame's packets: a short sample is what keeps the copy small.
 *
 * What a sample costs and reveals: resuming an audio tap is invisible to the sender. Resuming
 * a video tap makes mediasoup ask the sender for a key frame (a resumed consumer resyncs on
 * one), which every consumer of the producer then receives. That request is also the one sign
 * of a sample a sender can notice: a sender that encrypts only for a while after each key frame
 * request escapes sampling, and only its receivers, which cannot open the other frames, see it.
 *
 * A sender cannot dodge samples by sending nothing inspectable (no key frames, no frame
 * starts): when a sample has inspected no frame for `sampleTimeoutMs` although the producer
 * received media, the producer is condemned.
 */
export class SFrameGuard {
  readonly #consumer: mediasoupTypes.Consumer;
  readonly #codec: string;
  readonly #vp8: boolean;
  readonly #cipherSuite: number;
  readonly #options: SFrameGuardOptions;
  readonly #listener: GuardListener;
  #kids: Set<bigint>;
  #state: GuardState = 'verifying';
  #closed = false;
  /** Well-formed frames before verification. */
  #good = 0;
  /** Failed frames since the last clean run; only a clean run forgives them. */
  #failures = 0;
  /** Well-formed frames in a row in the current sample. */
  #cleanRun = 0;
  /** The current timeout window: its number, its frames, the producer's packets at its start. */
  #window = 0;
  #framesThisWindow = 0;
  #packetsAtWindowStart: number | undefined;
  #resumeTimer: NodeJS.Timeout | undefined;
  #timeoutTimer: NodeJS.Timeout | undefined;
  #keyFrameTimer: NodeJS.Timeout | undefined;
  /** Frames inspected over the guard's life (for metrics and tests). */
  framesInspected = 0;
  /** Samples begun after verification (for metrics and tests). */
  resamples = 0;

  private constructor(
    consumer: mediasoupTypes.Consumer,
    cipherSuite: number,
    kids: Iterable<number>,
    options: SFrameGuardOptions,
    listener: GuardListener,
  ) {
    this.#consumer = consumer;
    this.#codec = consumer.rtpParameters.codecs[0]?.mimeType ?? '';
    this.#vp8 = this.#codec.toLowerCase() === 'video/vp8';
    this.#cipherSuite = cipherSuite;
    this.#kids = toKidSet(kids);
    this.#options = options;
    this.#listener = listener;
    consumer.on('rtp', (packet) => this.#onRtp(packet));
    consumer.on('transportclose', () => this.close());
    consumer.on('producerclose', () => this.close());
    // What the producer received while paused is not forwarded: the clock starts again.
    consumer.on('producerresume', () => {
      if (!this.#closed && this.#state !== 'paused') this.#openWindow();
    });
    this.#openWindow();
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
      rtpCapabilities: tapCapabilities(router.rtpCapabilities),
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
    this.#closeWindow();
    clearTimeout(this.#resumeTimer);
    this.#consumer.close();
  }

  #onRtp(packet: Buffer): void {
    // Packets already on their way when the tap paused belong to no sample.
    if (this.#closed || this.#state === 'paused') return;
    const payload = rtpPayload(packet);
    if (!payload) return;
    const frame = this.#vp8 ? vp8FrameStart(payload) : payload;
    if (frame) this.#onFrame(frame);
  }

  #onFrame(frame: Uint8Array): void {
    this.framesInspected++;
    this.#framesThisWindow++;
    clearInterval(this.#keyFrameTimer);
    const result = inspectProtectedFrame({
      codec: this.#codec,
      cipherSuite: this.#cipherSuite,
      data: frame,
      expectedKids: this.#kids,
    });
    if (!result.wellFormed) {
      this.#cleanRun = 0;
      if (++this.#failures >= this.#options.maxFailures) {
        this.#condemn({ reason: result.reason, detail: result.detail });
      }
      return;
    }
    this.#cleanRun++;
    if (this.#state === 'verifying' && ++this.#good >= this.#options.framesToVerify) {
      this.#state = 'sampling';
      this.#listener.onVerified();
      if (this.#closed) return;
    }
    // A failure keeps the sample open until a clean run follows (or further failures condemn
    // the producer): a short sample tolerates a key switch, not intermittent plaintext. An
    // unverified producer reaches nobody, so its tap stays on until it is verified.
    if (this.#state === 'sampling' && this.#cleanRun >= this.#options.framesPerSample) {
      this.#failures = 0;
      this.#pauseUntilNextSample();
    }
  }

  #pauseUntilNextSample(): void {
    this.#state = 'paused';
    this.#cleanRun = 0;
    this.#closeWindow();
    void this.#consumer.pause().catch(() => undefined);
    // Jittered (0.5x to 1.5x), so a sender cannot time plaintext between samples.
    const delay = this.#options.resampleIntervalMs * (0.5 + Math.random());
    this.#resumeTimer = setTimeout(() => this.#startSample(), delay);
    this.#resumeTimer.unref();
  }

  #startSample(): void {
    if (this.#closed) return;
    this.#state = 'sampling';
    this.resamples++;
    void this.#consumer.resume().catch(() => undefined);
    this.#openWindow();
  }

  /**
   * Starts a timeout window of the current sample: `sampleTimeoutMs` to inspect a frame, the
   * producer's packet count to compare with at its end and, for video, repeated key frame
   * requests until the first frame arrives.
   */
  #openWindow(): void {
    this.#closeWindow();
    const window = ++this.#window;
    this.#framesThisWindow = 0;
    this.#packetsAtWindowStart = undefined;
    void this.#producerPackets().then((count) => {
      if (window === this.#window) this.#packetsAtWindowStart = count;
    });
    this.#timeoutTimer = setTimeout(
      () => void this.#onWindowEnd(window),
      this.#options.sampleTimeoutMs,
    );
    this.#timeoutTimer.unref();
    if (this.#vp8) {
      this.#keyFrameTimer = setInterval(() => {
        void this.#consumer.requestKeyFrame().catch(() => undefined);
      }, KEY_FRAME_RETRY_MS);
      this.#keyFrameTimer.unref();
    }
  }

  #closeWindow(): void {
    this.#window++;
    clearTimeout(this.#timeoutTimer);
    clearInterval(this.#keyFrameTimer);
  }

  async #onWindowEnd(window: number): Promise<void> {
    const before = this.#packetsAtWindowStart;
    const after = await this.#producerPackets();
    if (this.#closed || window !== this.#window) return;
    const received = before === undefined || after === undefined ? 0 : after - before;
    if (this.#framesThisWindow > 0) {
      // Frames came, but not yet a clean run: keep looking.
      this.#openWindow();
    } else if (received >= MEDIA_FLOWING_PACKETS && !this.#consumer.producerPaused) {
      this.#condemn({
        reason: 'uninspectable',
        detail: `${received} packets in ${this.#options.sampleTimeoutMs} ms without a frame to inspect`,
      });
    } else if (this.#state === 'sampling') {
      // Next to nothing was sent: no verdict, and the next sample comes as usual. Failures
      // seen so far stay counted.
      this.#pauseUntilNextSample();
    } else {
      this.#openWindow();
    }
  }

  /** Packets the producer has received, as the worker counts them (undefined once closed). */
  async #producerPackets(): Promise<number | undefined> {
    if (this.#closed) return undefined;
    try {
      const stats = await this.#consumer.getStats();
      return stats.find((stat) => stat.type === 'inbound-rtp')?.packetCount;
    } catch {
      return undefined;
    }
  }

  #condemn(verdict: GuardVerdict): void {
    this.close();
    this.#listener.onViolation(verdict);
  }
}

/**
 * What the tap consumes with: the router's codecs, without RTP header extensions and without
 * RTCP feedback other than key frame requests. A video consumer with transport-cc (or REMB)
 * gives its transport a congestion controller, whose pacer wakes every 5 ms for as long as the
 * room lives, sample or no sample (0.1% of a core per room on an idle worker, measured, see
 * bench/README.md); one with NACK keeps a retransmission buffer. Node sends the tap no feedback and asks it for no
 * retransmissions, so it needs neither.
 */
export function tapCapabilities(
  router: mediasoupTypes.RtpCapabilities,
): mediasoupTypes.RtpCapabilities {
  return {
    codecs: (router.codecs ?? []).map((codec) => ({
      ...codec,
      rtcpFeedback: (codec.rtcpFeedback ?? []).filter(
        (feedback) =>
          (feedback.type === 'nack' && feedback.parameter === 'pli') ||
          (feedback.type === 'ccm' && feedback.parameter === 'fir'),
      ),
    })),
    headerExtensions: [],
  };
}

function toKidSet(kids: Iterable<number>): Set<bigint> {
  return new Set([...kids].map((kid) => BigInt(kid)));
}
