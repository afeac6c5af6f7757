import type { SrtpParameters } from './srtp.ts';
import type { MemberRole } from './synthetic-people.ts';

export type MediaKind = 'audio' | 'video';

/** RFC 9605 AES_128_GCM_SHA256_128, the suite Skjerm's browsers use. */
export const SFRAME_CIPHER_SUITE = 4;
export type PlaneName = 'skjerm' | 'baseline';

/** A room to set up: a consultation (Skjerm) or a bare router (baseline). */
export interface RoomSpec {
  mode: 'consultation' | 'group';
  /** In joining order; the first is the host. */
  members: readonly MemberRole[];
}

/**
 * A member's two transports' SRTP master keys (AES_CM_128_HMAC_SHA1_80), one set per end: the
 * load generator's protect what it sends, the worker's what the worker sends.
 */
export interface TransportKeys {
  send: SrtpParameters;
  recv: SrtpParameters;
}

/**
 * What the load generator needs from whatever sets up media: rooms to join and, per member, a
 * session that creates SRTP PlainTransports (no ICE/DTLS), produces and consumes. Skjerm does it through its
 * signaling protocol, the baseline by calling mediasoup directly; the media the load generator
 * sends and measures is the same for both.
 */
export interface ControlPlane {
  readonly name: PlaneName;
  /** The mediasoup worker process forwarding the media. */
  readonly workerPid: number;
  /** The Node process driving the worker (Skjerm's server, or the baseline script). */
  readonly controlPid: number;
  /** UDP ports the worker receives media on so far (for its socket drop count). */
  readonly mediaPorts: ReadonlySet<number>;
  openRoom(spec: RoomSpec): Promise<RoomControl>;
  /** The worker's CPU time (ms) as mediasoup's worker.getResourceUsage() reports it. */
  workerResourceUsageMs(): Promise<number>;
  close(): Promise<void>;
}

export interface RoomControl {
  /** Joins the member at `index` of the spec (the host must have joined before invitees). */
  join(index: number): Promise<MemberSession>;
  close(): Promise<void>;
}

export interface MemberSession {
  /** performance.now() when joining began (Skjerm: the WebSocket opened). */
  readonly joinStartedAt: number;
  /** The member's SFrame sender slot: its KIDs are slot * 2^16 + epoch. */
  readonly senderSlot: number;
  /**
   * Creates the send and receive transports, SRTP with the generator's `keys`; media for this
   * member goes to `receivePort`. Returns the worker's keys of both.
   */
  openTransports(
    receivePort: number,
    keys: TransportKeys,
  ): Promise<{ sendPort: number; workerKeys: TransportKeys }>;
  produce(kind: MediaKind, ssrc: number, kids: readonly number[]): Promise<string>;
  /** Called for every producer of others this member may consume, those already there first. */
  onProducer(listener: (producerId: string) => void): void;
  /**
   * Consumes (paused, as Skjerm's clients do until their decrypting transform is in place):
   * the SSRC the forwarded stream will arrive with, and how to start it.
   */
  consume(producerId: string): Promise<{ ssrc: number; resume(): Promise<void> }>;
  leave(): Promise<void>;
}

/** RTP parameters of a producer as a browser's would read for VP8 / Opus (no extensions). */
export function producerRtpParameters(kind: MediaKind, ssrc: number): Record<string, unknown> {
  return kind === 'video'
    ? {
        codecs: [
          {
            mimeType: 'video/VP8',
            payloadType: VP8_PAYLOAD_TYPE,
            clockRate: 90000,
            rtcpFeedback: [
              { type: 'nack' },
              { type: 'nack', parameter: 'pli' },
              { type: 'ccm', parameter: 'fir' },
            ],
          },
        ],
        encodings: [{ ssrc }],
      }
    : {
        codecs: [
          { mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: 48000, channels: 2 },
        ],
        encodings: [{ ssrc }],
      };
}

export const VP8_PAYLOAD_TYPE = 101;
export const OPUS_PAYLOAD_TYPE = 100;
