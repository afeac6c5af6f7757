import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { joinChunks, Vp8FrameAssembler } from './frame-assembler.ts';
import { PROBE_BYTES, readProbe } from './media-profile.ts';
import { isRtcp, readRtp } from './rtp.ts';
import type { RtpSource } from './rtp-source.ts';
import type { SrtpContext } from './srtp.ts';
import { readVp8Descriptor } from './vp8-packetizer.ts';

/** What every receiver records while a measurement window is open. */
export class WindowRecorder {
  /** RTP packets forwarded to receivers are counted only while this is set. */
  active = false;
  packets = 0;
  /**
   * Added latency (ms) of each frame whose probe belongs to the window: from its first packet
   * leaving the sender's socket to the frame being decrypted at the receiver.
   */
  latencies: number[] = [];
  /** From the send time inside the frame (taken before encryption) to decryption (ms). */
  endToEnd: number[] = [];

  reset(): void {
    this.packets = 0;
    this.latencies = [];
    this.endToEnd = [];
  }
}

/**
 * Every frame's probe is decrypted; one frame in this many (and each stream's first) is also
 * authenticated whole, which proves the SFU forwarded intact SFrame without paying a GCM key
 * setup per frame.
 */
export const AUTHENTICATE_EVERY = 8;

/** One consumer as its receiver sees it: frames of one source, reassembled and opened. */
export class ConsumerStream {
  readonly source: RtpSource;
  readonly #assembler: Vp8FrameAssembler | undefined;
  frames = 0;
  /** Frames whose AEAD tag was checked (the rest were only decrypted). */
  authenticated = 0;
  /** Frames whose probe falls in the source's current window. */
  windowFrames = 0;
  decryptFailures = 0;

  constructor(source: RtpSource) {
    this.source = source;
    this.#assembler = source.kind === 'video' ? new Vp8FrameAssembler() : undefined;
  }

  /** The slices of the protected frame this packet completes, if any. */
  frameFrom(packet: Uint8Array, sequence: number, marker: boolean, start: number, end: number) {
    const assembler = this.#assembler;
    if (!assembler) return [packet.subarray(start, end)];
    const descriptor = readVp8Descriptor(packet, start, end);
    if (!descriptor) return undefined;
    return assembler.push(
      sequence,
      marker,
      descriptor.frameStart,
      packet.subarray(descriptor.dataStart, end),
    );
  }
}

/** 4 MB, the host's rmem_max: a busy load generator must not drop what the SFU forwarded. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * A member's receiving socket, where its receive transport sends every consumer's packets:
 * demultiplexed by SSRC, reassembled, decrypted with the sender's key, and the probe inside
 * recorded (window frames for loss, receipt time minus send time for latency).
 */
export class MediaReceiver {
  readonly socket: Socket;
  readonly streams = new Map<number, ConsumerStream>();
  /** performance.now() of the first frame received from anyone. */
  firstFrameAt: number | undefined;
  unknownPackets = 0;
  /** SRTP packets whose tag did not verify under the worker's key (none expected). */
  srtpFailures = 0;
  readonly #recorder: WindowRecorder;
  #srtp: SrtpContext | undefined;

  private constructor(socket: Socket, recorder: WindowRecorder) {
    this.socket = socket;
    this.#recorder = recorder;
    socket.on('message', (packet) => this.#onPacket(packet));
    socket.on('error', () => undefined); // ICMP unreachable after a transport closed
  }

  static async open(recorder: WindowRecorder): Promise<MediaReceiver> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new MediaReceiver(socket, recorder);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The worker's key of the receive transport, which protects everything it sends here. */
  useSrtpKey(srtp: SrtpContext): void {
    this.#srtp = srtp;
  }

  addStream(ssrc: number, source: RtpSource): void {
    this.streams.set(ssrc, new ConsumerStream(source));
  }

  close(): void {
    this.socket.close();
  }

  #onPacket(received: Buffer): void {
    // RTCP (sender reports) is not needed; consumers exist only once the key is known.
    if (!this.#srtp || isRtcp(received)) return;
    const packet = this.#srtp.unprotectRtp(received);
    if (!packet) {
      this.srtpFailures++;
      return;
    }
    const rtp = readRtp(packet);
    if (!rtp) return; // RTCP sender reports
    const stream = this.streams.get(rtp.ssrc);
    if (!stream) {
      this.unknownPackets++;
      return;
    }
    if (this.#recorder.active) this.#recorder.packets++;
    const frame = stream.frameFrom(
      packet,
      rtp.sequenceNumber,
      rtp.marker,
      rtp.payloadStart,
      rtp.payloadEnd,
    );
    if (frame) this.#deliver(stream, frame);
  }

  #deliver(stream: ConsumerStream, chunks: Uint8Array[]): void {
    const now = performance.now();
    const source = stream.source;
    const codec = source.kind === 'video' ? 'vp8' : 'opus';
    const authenticate = stream.frames % AUTHENTICATE_EVERY === 0;
    let sequence: number;
    let sentAtMs: number;
    try {
      const plaintext = authenticate
        ? source.key.open(codec, joinChunks(chunks))
        : source.key.peek(codec, chunks[0] as Uint8Array, PROBE_BYTES);
      ({ sequence, sentAtMs } = readProbe(plaintext));
    } catch {
      stream.decryptFailures++;
      return;
    }
    if (authenticate) stream.authenticated++;
    stream.frames++;
    this.firstFrameAt ??= now;
    if (sequence >= source.windowStart && sequence < source.windowEnd) {
      stream.windowFrames++;
      this.#recorder.latencies.push(now - source.transmittedAt(sequence));
      this.#recorder.endToEnd.push(now - sentAtMs);
    }
  }
}
