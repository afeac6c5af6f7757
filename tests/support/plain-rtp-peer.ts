import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { protectFrame, SFrameSender } from '@skjerm/sframe';
import { generateSrtpParameters, SrtpContext, type SrtpParameters } from '../../bench/load/srtp.ts';
import { buildRtpPacket, parseRtpPacket } from './rtp.ts';
import type { SignalingClient } from './signaling-client.ts';

export const VP8_PAYLOAD_TYPE = 101;
export const OPUS_PAYLOAD_TYPE = 100;

/** A VP8 key frame's first 10 bytes as an encoder writes them (RFC 6386 §9.1), 640x480. */
function vp8Frame(index: number, size: number): Uint8Array {
  const frame = new Uint8Array(size).map((_, i) => (i * 31 + index * 7) & 0xff);
  const keyFrame = index % 30 === 0;
  frame[0] = keyFrame ? 0x10 : 0x11;
  if (keyFrame) frame.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  return frame;
}

function rtpParameters(kind: 'audio' | 'video', ssrc: number) {
  return kind === 'video'
    ? {
        codecs: [{ mimeType: 'video/VP8', payloadType: VP8_PAYLOAD_TYPE, clockRate: 90000 }],
        encodings: [{ ssrc }],
      }
    : {
        codecs: [
          { mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: 48000, channels: 2 },
        ],
        encodings: [{ ssrc }],
      };
}

export interface SendOptions {
  kind: 'audio' | 'video';
  /** Encrypt frames with this sender; undefined sends plaintext (what the server must refuse). */
  sframe?: SFrameSender | undefined;
  frames: number;
  intervalMs: number;
  stopped?: () => boolean;
  /** Protect packets with this SRTP context (the one `produce` connected the transport with). */
  srtp?: SrtpContext | undefined;
}

/**
 * A non-browser participant's media over plain RTP transports: sends VP8 or Opus frames,
 * SFrame-protected with the codec-aware layout as the browser transform does, and receives
 * what the server forwards.
 */
export class PlainRtpPeer {
  readonly socket: Socket;
  readonly received: { ssrc: number; payloadType: number; payload: Uint8Array }[] = [];
  /** SRTP packets whose tag did not verify under the server's key. */
  srtpFailures = 0;
  /** The server's key on an SRTP receive transport: what it sends is opened with it. */
  #srtpInbound: SrtpContext | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (message) => {
      let bytes: Uint8Array | undefined = new Uint8Array(message);
      if (this.#srtpInbound && !isRtcp(bytes)) {
        bytes = this.#srtpInbound.unprotectRtp(bytes);
        if (!bytes) {
          this.srtpFailures++;
          return;
        }
      }
      const packet = parseRtpPacket(bytes);
      if (packet) this.received.push(packet);
    });
  }

  static async open(): Promise<PlainRtpPeer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new PlainRtpPeer(socket);
  }

  static sframeSender(kid: number, cipherSuite = 4): Promise<SFrameSender> {
    return SFrameSender.create(
      cipherSuite,
      BigInt(kid),
      crypto.getRandomValues(new Uint8Array(16)),
    );
  }

  /** createTransport(send) + produce; returns where to send and the producer id. */
  static async produce(
    client: SignalingClient,
    kind: 'audio' | 'video',
    kids: number[],
    ssrc = kind === 'video' ? 0x2222 : 0x1111,
    srtp?: SrtpParameters,
  ) {
    const transport = await client.request('createTransport', {
      direction: 'send',
      type: 'plain',
      ...(srtp ? { srtp: true } : {}),
    });
    if (!('port' in transport)) throw new Error('expected a plain transport');
    if (srtp) {
      // A send transport learns the peer's address from its media: only the key is given.
      await client.request('connectTransport', {
        transportId: transport.transportId,
        srtpParameters: srtp,
      });
    }
    const { producerId } = await client.request('produce', {
      transportId: transport.transportId,
      kind,
      rtpParameters: rtpParameters(kind, ssrc),
      sframe: { cipherSuite: 4, kids },
    });
    return { producerId, port: transport.port, ssrc };
  }

  /**
   * createTransport(recv), connect it to this peer's socket; with `srtp`, over SRTP, and what
   * arrives is unprotected with the server's key before it is recorded.
   */
  async receiveTransport(client: SignalingClient, options: { srtp?: boolean } = {}) {
    const transport = await client.request('createTransport', {
      direction: 'recv',
      type: 'plain',
      ...(options.srtp ? { srtp: true } : {}),
    });
    if (options.srtp) {
      if (!('srtpParameters' in transport) || !transport.srtpParameters) {
        throw new Error('expected an SRTP plain transport');
      }
      this.#srtpInbound = new SrtpContext(transport.srtpParameters);
    }
    await client.request('connectTransport', {
      transportId: transport.transportId,
      ip: '127.0.0.1',
      port: this.socket.address().port,
      ...(options.srtp ? { srtpParameters: generateSrtpParameters() } : {}),
    });
    return transport.transportId;
  }

  async send(port: number, ssrc: number, options: SendOptions): Promise<number> {
    const { kind, sframe, frames, intervalMs } = options;
    let sequenceNumber = 1;
    let sent = 0;
    for (let index = 0; index < frames && !options.stopped?.(); index++) {
      const raw =
        kind === 'video'
          ? vp8Frame(index, 900)
          : new Uint8Array(80).map((_, i) => (i + index) & 0xff);
      const frame = sframe
        ? await protectFrame(sframe, kind === 'video' ? 'vp8' : 'opus', raw)
        : raw;
      // VP8 RTP payload descriptor: X=1, S=1, partition 0, 15-bit picture id.
      const payload =
        kind === 'video'
          ? Uint8Array.of(0x90, 0x80, 0x80 | ((index >> 8) & 0x7f), index & 0xff, ...frame)
          : frame;
      const packet = buildRtpPacket({
        payloadType: kind === 'video' ? VP8_PAYLOAD_TYPE : OPUS_PAYLOAD_TYPE,
        sequenceNumber: sequenceNumber++,
        timestamp: index * (kind === 'video' ? 3000 : 960),
        ssrc,
        marker: true,
        payload,
      });
      this.socket.send(options.srtp ? options.srtp.protectRtp(packet) : packet, port, '127.0.0.1');
      sent++;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    return sent;
  }

  close(): void {
    this.socket.close();
  }
}

/** RTCP packet types 192-223 under rtcp-mux (RFC 5761 §4); SRTCP keeps them in clear. */
function isRtcp(bytes: Uint8Array): boolean {
  const type = bytes[1] ?? 0;
  return type >= 192 && type <= 223;
}
