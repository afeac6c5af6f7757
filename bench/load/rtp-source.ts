import type { Socket } from 'node:dgram';
import { type MediaKind, OPUS_PAYLOAD_TYPE, VP8_PAYLOAD_TYPE } from './control-plane.ts';
import {
  AUDIO,
  framesPerKeyInterval,
  opusFrame,
  VIDEO,
  videoFrameBytes,
  vp8Frame,
} from './media-profile.ts';
import { RTP_HEADER_BYTES, writeRtpHeader } from './rtp.ts';
import type { SFrameKey } from './sframe-key.ts';
import type { SrtpContext } from './srtp.ts';
import { MAX_RTP_PAYLOAD, packetizeVp8 } from './vp8-packetizer.ts';

export interface RtpSourceOptions {
  kind: MediaKind;
  ssrc: number;
  /** Connected to the SFU's send transport (SRTP plain transport, comedia). */
  socket: Socket;
  /** Protects every packet with the generator's key of that transport. */
  srtp: SrtpContext;
  /**
   * The member's SFrame key: it seals what this source sends, and receivers open with it (the
   * load generator plays every member, so it knows every key).
   */
  key: SFrameKey;
}

/** Frames sent at once to catch up after the event loop stalled (200 ms of video). */
const MAX_CATCH_UP_FRAMES = 6;

/** 2048 frames: 40 s of audio, 68 s of video, far longer than any frame spends in flight. */
const TRANSMIT_LOG_FRAMES = 2048;

const RTP_CLOCK_PER_FRAME = {
  video: 90_000 / VIDEO.framesPerSecond,
  audio: 48_000 / AUDIO.framesPerSecond,
};

/**
 * One synthetic track: at its frame rate it builds a frame with a probe inside, protects it
 * as the browser transform does (SFrameKey writes what @skjerm/sframe's protectFrame writes),
 * packetizes it and sends it over SRTP. Video opens every key frame interval with a key frame and
 * answers PLI/FIR with one.
 */
export class RtpSource {
  readonly kind: MediaKind;
  readonly ssrc: number;
  readonly key: SFrameKey;
  /** Probe sequence numbers of the current measurement window: [windowStart, windowEnd). */
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;
  framesSent = 0;
  packetsSent = 0;
  sendErrors = 0;
  /** Frame slots dropped because the load generator fell too far behind (should stay 0). */
  skippedFrames = 0;
  readonly #socket: Socket;
  readonly #srtp: SrtpContext;
  readonly #intervalMs: number;
  #nextProbe = 0;
  #frameIndex = 0;
  #rtpSequence = Math.floor(Math.random() * 0x10000);
  #rtpTimestamp = Math.floor(Math.random() * 0x1_0000_0000);
  #pictureId = Math.floor(Math.random() * 0x8000);
  #keyFrameWanted = false;
  #due = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  /** When each recent frame's first packet went to the socket, by probe sequence number. */
  readonly #transmittedAt = new Float64Array(TRANSMIT_LOG_FRAMES).fill(Number.NaN);

  constructor(options: RtpSourceOptions) {
    this.kind = options.kind;
    this.ssrc = options.ssrc;
    this.key = options.key;
    this.#socket = options.socket;
    this.#srtp = options.srtp;
    this.#intervalMs =
      1000 / (options.kind === 'video' ? VIDEO.framesPerSecond : AUDIO.framesPerSecond);
  }

  /** Starts sending, the first frame after a random phase so tracks do not fire in step. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#due = performance.now() + Math.random() * this.#intervalMs;
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#due - performance.now()));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** A receiver lost sync (PLI/FIR): the next video frame is a key frame. */
  requestKeyFrame(): void {
    if (this.kind === 'video') this.#keyFrameWanted = true;
  }

  openWindow(): void {
    this.windowStart = this.#nextProbe;
    this.windowEnd = Number.POSITIVE_INFINITY;
  }

  closeWindow(): void {
    this.windowEnd = this.#nextProbe;
  }

  /**
   * When frame `sequence`'s first packet was handed to the kernel (performance.now()); NaN once
   * it is older than the log. Receivers measure the SFU's added latency from here, without the
   * time the sender spent encrypting.
   */
  transmittedAt(sequence: number): number {
    return this.#transmittedAt[sequence % TRANSMIT_LOG_FRAMES] as number;
  }

  /** Frames sent in the last closed window. */
  get windowFrames(): number {
    return Number.isFinite(this.windowEnd) ? this.windowEnd - this.windowStart : 0;
  }

  readonly #tick = (): void => {
    if (this.#stopped) return;
    const now = performance.now();
    // Frames due while the event loop was busy go out now, so the offered load stays the
    // same whichever control plane is measured; after a long stall the oldest are dropped.
    let due = 0;
    while (this.#due <= now) {
      this.#due += this.#intervalMs;
      due++;
    }
    const sent = Math.min(due, MAX_CATCH_UP_FRAMES);
    this.skippedFrames += due - sent;
    for (let i = 0; i < sent; i++) this.#sendFrame(now);
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#due - performance.now()));
  };

  #sendFrame(now: number): void {
    const probe = { sequence: this.#nextProbe++, sentAtMs: now };
    const index = this.#frameIndex++;
    const timestamp = this.#rtpTimestamp;
    this.#rtpTimestamp = (this.#rtpTimestamp + RTP_CLOCK_PER_FRAME[this.kind]) >>> 0;
    if (this.kind === 'audio') {
      const sealed = this.key.seal('opus', opusFrame(AUDIO.frameBytes, probe));
      this.#transmitted(probe.sequence);
      this.#transmit(sealed, timestamp, 0);
      return;
    }
    const keyFrame = index % framesPerKeyInterval() === 0 || this.#keyFrameWanted;
    if (keyFrame) this.#keyFrameWanted = false;
    const pictureId = this.#pictureId;
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    const frame = vp8Frame(videoFrameBytes(index, keyFrame), keyFrame, probe);
    const sealed = this.key.seal('vp8', frame);
    this.#transmitted(probe.sequence);
    this.#transmit(sealed, timestamp, pictureId);
  }

  #transmitted(sequence: number): void {
    this.#transmittedAt[sequence % TRANSMIT_LOG_FRAMES] = performance.now();
  }

  #transmit(frame: Uint8Array, timestamp: number, pictureId: number): void {
    const packets =
      this.kind === 'video'
        ? packetizeVp8(frame, pictureId, MAX_RTP_PAYLOAD, RTP_HEADER_BYTES)
        : [withHeadroom(frame)];
    const payloadType = this.kind === 'video' ? VP8_PAYLOAD_TYPE : OPUS_PAYLOAD_TYPE;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i] as Uint8Array;
      writeRtpHeader(packet, {
        payloadType,
        // Video marks a frame's last packet (RFC 7741 §4.1); Opus marks talkspurt starts only.
        marker: this.kind === 'video' && i === packets.length - 1,
        sequenceNumber: this.#rtpSequence,
        timestamp,
        ssrc: this.ssrc,
      });
      this.#rtpSequence = (this.#rtpSequence + 1) & 0xffff;
      this.#socket.send(this.#srtp.protectRtp(packet), this.#onSent);
    }
    this.packetsSent += packets.length;
    this.framesSent++;
  }

  readonly #onSent = (error: Error | null): void => {
    if (error) this.sendErrors++;
  };
}

function withHeadroom(payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(RTP_HEADER_BYTES + payload.length);
  packet.set(payload, RTP_HEADER_BYTES);
  return packet;
}
