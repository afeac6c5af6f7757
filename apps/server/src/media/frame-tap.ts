import type { types as mediasoupTypes } from 'mediasoup';
import { rtpFrameFields, rtpPayload, vp8PayloadParts } from './rtp-packet.ts';

/**
 * TEST ONLY. Every encoded frame the server forwards, as it forwards it, so a browser test can
 * show that none of the plaintext its senders encoded ever reached the server. It is an option
 * of SkjermServer.start in code (ServerDependencies.frameTap), never of configuration: a
 * deployed server cannot be told to hand out media. Without it no tap exists, not even idle.
 *
 * Unlike the SFrame guard, which samples, a tap copies every packet to Node: fine for a test,
 * never for a server under load.
 */
export interface TappedFrame {
  readonly consultationId: string;
  readonly participantId: string;
  readonly producerId: string;
  readonly kind: mediasoupTypes.MediaKind;
  /**
   * The frame as forwarded: for Opus the RTP payload; for VP8 the payloads of the frame's
   * packets without their payload descriptors, joined (one timestamp, up to the marker).
   */
  readonly payload: Uint8Array;
}

export type FrameTapListener = (frame: TappedFrame) => void;

/** What a media room reports; the registry, which knows the consultation, adds its id. */
export type RoomFrameTapListener = (frame: Omit<TappedFrame, 'consultationId'>) => void;

/**
 * Puts one RTP stream's frames back together. A VP8 frame missing a packet (lost or reordered)
 * is skipped, and counted once begun: the tap reports only whole frames.
 */
export class FrameAssembler {
  readonly #vp8: boolean;
  #parts: Uint8Array[] = [];
  #timestamp: number | undefined;
  #nextSequenceNumber = 0;
  /** VP8 frames skipped because a packet of theirs was missing. */
  incompleteFrames = 0;

  constructor(mimeType: string) {
    this.#vp8 = mimeType.toLowerCase() === 'video/vp8';
  }

  /** Takes one RTP packet; returns a frame when the packet completes one. */
  push(packet: Uint8Array): Uint8Array | undefined {
    const fields = rtpFrameFields(packet);
    const payload = rtpPayload(packet);
    // Padding-only packets (bandwidth probing) carry no media.
    if (fields === undefined || payload === undefined || payload.length === 0) return undefined;
    if (!this.#vp8) return payload.slice();
    const parts = vp8PayloadParts(payload);
    if (parts === undefined) return this.#skip();
    if (parts.startsFrame) {
      if (this.#timestamp !== undefined) this.#skip();
      this.#timestamp = fields.timestamp;
    } else if (
      this.#timestamp !== fields.timestamp ||
      fields.sequenceNumber !== this.#nextSequenceNumber
    ) {
      return this.#timestamp === undefined ? undefined : this.#skip();
    }
    this.#parts.push(parts.data);
    this.#nextSequenceNumber = (fields.sequenceNumber + 1) & 0xffff;
    if (!fields.marker) return undefined;
    const frame = joinParts(this.#parts);
    this.#parts = [];
    this.#timestamp = undefined;
    return frame;
  }

  #skip(): undefined {
    this.incompleteFrames++;
    this.#parts = [];
    this.#timestamp = undefined;
    return undefined;
  }
}

/** Consumes one producer on the room's DirectTransport and reports each of its frames. */
export class FrameTap {
  readonly #consumer: mediasoupTypes.Consumer;
  readonly #assembler: FrameAssembler;
  #closed = false;

  private constructor(
    consumer: mediasoupTypes.Consumer,
    participantId: string,
    listener: RoomFrameTapListener,
  ) {
    this.#consumer = consumer;
    this.#assembler = new FrameAssembler(consumer.rtpParameters.codecs[0]?.mimeType ?? '');
    const { producerId, kind } = consumer;
    // mediasoup's safeEmit catches a throwing listener: a test's bug cannot break forwarding.
    consumer.on('rtp', (packet) => {
      if (this.#closed) return;
      const payload = this.#assembler.push(packet);
      if (payload !== undefined) listener({ participantId, producerId, kind, payload });
    });
    consumer.on('transportclose', () => this.close());
    consumer.on('producerclose', () => this.close());
  }

  static async start(
    tap: mediasoupTypes.DirectTransport,
    router: mediasoupTypes.Router,
    producer: mediasoupTypes.Producer,
    participantId: string,
    listener: RoomFrameTapListener,
  ): Promise<FrameTap> {
    const consumer = await tap.consume({
      producerId: producer.id,
      rtpCapabilities: router.rtpCapabilities,
    });
    return new FrameTap(consumer, participantId, listener);
  }

  get incompleteFrames(): number {
    return this.#assembler.incompleteFrames;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#consumer.close();
  }
}

function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  const frame = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}
