import type { SFrameParameters } from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import type { TypedEmitter } from '../lib/typed-emitter.ts';
import type { GuardVerdict } from './sframe-guard.ts';

export type Direction = 'send' | 'recv';

/** Why a consultation's media started over (told to clients in mediaReset). */
export type MediaResetReason = 'worker-died' | 'media-node-lost' | 'moved';

/** What a client needs to set up its end of a transport (plain data: it may cross nodes). */
export type TransportInfo =
  | {
      type: 'webrtc';
      id: string;
      iceParameters: mediasoupTypes.IceParameters;
      iceCandidates: mediasoupTypes.IceCandidate[];
      dtlsParameters: mediasoupTypes.DtlsParameters;
    }
  | {
      type: 'plain';
      id: string;
      ip: string;
      port: number;
      srtpParameters: mediasoupTypes.SrtpParameters | undefined;
    };

export interface ConsumerInfo {
  consumerId: string;
  kind: mediasoupTypes.MediaKind;
  rtpParameters: mediasoupTypes.RtpParameters;
  /** The participant whose producer this is. */
  ownerId: string;
}

export interface MediaCounts {
  transports: number;
  producers: number;
  consumers: number;
}

/** Counts summed over rooms (a node's, a consultation's, a process's). */
export function sumCounts(all: Iterable<MediaCounts>): MediaCounts {
  const total = { transports: 0, producers: 0, consumers: 0 };
  for (const counts of all) {
    total.transports += counts.transports;
    total.producers += counts.producers;
    total.consumers += counts.consumers;
  }
  return total;
}

/** Bitrates (bits per second) summed over rooms. */
export function sumBitrates(all: Iterable<{ recv: number; send: number }>) {
  const total = { recv: 0, send: 0 };
  for (const { recv, send } of all) {
    total.recv += recv;
    total.send += send;
  }
  return total;
}

export interface ReadyProducer {
  producerId: string;
  participantId: string;
  kind: mediasoupTypes.MediaKind;
  paused: boolean;
}

export type ConsultationMediaEvents = {
  /** A producer passed its first SFrame check: others may consume it now. */
  producerready: [producerId: string, participantId: string, kind: mediasoupTypes.MediaKind];
  producerclosed: [producerId: string, participantId: string, reason: 'closed' | 'not-e2ee'];
  /** The producer's frames were not SFrame with its announced KIDs; it has been closed. */
  producerrejected: [producerId: string, participantId: string, verdict: GuardVerdict];
  consumerclosed: [consumerId: string, participantId: string, producerId: string];
  /**
   * The media under the consultation was lost (a worker or a media node died): every
   * transport is gone, and new ones may be made at once. Clients start their media over.
   */
  reset: [reason: MediaResetReason];
  listenererror: [event: string, error: unknown];
};

/**
 * One consultation's media as the consultation and the signaling handlers see it. Two
 * implementations: MediaRoom (a router in this process) and ClusterMediaRoom (routers on
 * media nodes, reached over RPC and piped together). Participants are known only by id;
 * every call names the participant, and ownership (nobody touches another's transport or
 * producer) is enforced behind this interface.
 */
export interface ConsultationMedia extends TypedEmitter<ConsultationMediaEvents> {
  readonly rtpCapabilities: mediasoupTypes.RtpCapabilities;
  readonly closed: boolean;
  counts(): MediaCounts;
  /** Bitrates summed over the consultation's transports (bits per second). */
  bitrates(): Promise<{ recv: number; send: number }>;
  /** Producers others may consume now (passed their first SFrame check). */
  readyProducers(): ReadyProducer[];
  /** A participant is admitted with these capabilities; their media may be placed now. */
  addParticipant(participantId: string, capabilities: mediasoupTypes.RtpCapabilities): void;
  /** Closes everything a participant has (on leave, removal or disconnect). */
  removeParticipant(participantId: string): void;
  createTransport(
    participantId: string,
    direction: Direction,
    type: 'webrtc' | 'plain',
    srtp?: boolean,
  ): Promise<TransportInfo>;
  connectTransport(
    participantId: string,
    transportId: string,
    dtlsParameters: mediasoupTypes.DtlsParameters,
  ): Promise<void>;
  connectPlainTransport(
    participantId: string,
    transportId: string,
    remote: { ip?: string; port?: number; srtpParameters?: mediasoupTypes.SrtpParameters },
  ): Promise<void>;
  restartIce(participantId: string, transportId: string): Promise<mediasoupTypes.IceParameters>;
  produce(
    participantId: string,
    senderSlot: number,
    transportId: string,
    kind: mediasoupTypes.MediaKind,
    rtpParameters: mediasoupTypes.RtpParameters,
    sframe: SFrameParameters,
  ): Promise<{ producerId: string }>;
  setProducerKids(
    participantId: string,
    senderSlot: number,
    producerId: string,
    kids: readonly number[],
  ): Promise<void>;
  /** Returns whether that changed what others see (a ready producer's paused state). */
  setProducerPaused(participantId: string, producerId: string, paused: boolean): Promise<boolean>;
  /** A host muted someone: pause their producers of this kind (they may resume). */
  pauseProducersOf(participantId: string, kind: mediasoupTypes.MediaKind): Promise<void>;
  closeProducer(participantId: string, producerId: string): Promise<void>;
  consume(participantId: string, transportId: string, producerId: string): Promise<ConsumerInfo>;
  resumeConsumer(participantId: string, consumerId: string): Promise<void>;
  close(): void;
}
