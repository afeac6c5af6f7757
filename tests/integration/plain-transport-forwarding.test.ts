import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createLogger, routerMediaCodecs, WorkerPool } from '@skjerm/server';
import type { types as mediasoupTypes } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRtpPacket, parseRtpPacket, type RtpPacket } from '../support/rtp.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

// A VP8 RTP payload as browsers send it: the extended payload descriptor (RFC 7741 §4.2: X=1,
// S=1, partition 0, I=1 with a 15-bit picture id; mediasoup ignores descriptors without X)
// followed by the start of a frame whose first byte has the P bit clear, i.e. a key frame
// (RFC 6386 §9.1); mediasoup forwards video to a new consumer only from a key frame on.
function vp8Payload(index: number, keyFrame: boolean): Uint8Array {
  const frame = new Uint8Array(200).map((_, i) => (i * 7 + index) & 0xff);
  frame[0] = keyFrame ? 0x10 : 0x11;
  const pictureId = 100 + index;
  return Uint8Array.of(0x90, 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff, ...frame);
}

function opusPayload(index: number): Uint8Array {
  return new Uint8Array(120).map((_, i) => (i * 13 + index * 3) & 0xff);
}

async function boundSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

describe('forwarding through a real mediasoup worker', () => {
  let pool: WorkerPool;
  let router: mediasoupTypes.Router;

  beforeAll(async () => {
    requireWorkerBinary();
    pool = await WorkerPool.start({ size: 1, log: createLogger('silent') });
    ({ router } = await pool.createRouter(routerMediaCodecs));
  });

  afterAll(() => pool?.close());

  for (const media of [
    {
      kind: 'audio' as const,
      codec: { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 },
      payload: (i: number) => opusPayload(i),
      clockStep: 960,
    },
    {
      kind: 'video' as const,
      codec: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 },
      payload: (i: number) => vp8Payload(i, i === 0),
      clockStep: 3000,
    },
  ]) {
    it(`delivers every ${media.codec.mimeType} RTP payload intact from producer to consumer and counts them`, async () => {
      const sender = await boundSocket();
      const receiver = await boundSocket();
      const ingress = await router.createPlainTransport({
        listenIp: { ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: true,
      });
      const egress = await router.createPlainTransport({
        listenIp: { ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      try {
        const ssrc = 0x1000 + media.codec.payloadType;
        const producer = await ingress.produce({
          kind: media.kind,
          rtpParameters: { codecs: [media.codec], encodings: [{ ssrc }] },
        });
        await egress.connect({ ip: '127.0.0.1', port: receiver.address().port });
        const consumer = await egress.consume({
          producerId: producer.id,
          rtpCapabilities: router.rtpCapabilities,
        });
        expect(consumer.kind).toBe(media.kind);

        const consumerSsrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
        const consumerPayloadType = consumer.rtpParameters.codecs[0]?.payloadType;
        const received: RtpPacket[] = [];
        const count = 50;
        const allArrived = new Promise<void>((resolve) => {
          receiver.on('message', (message) => {
            const packet = parseRtpPacket(new Uint8Array(message));
            // Video consumers also send bandwidth probation padding (mediasoup's own SSRC).
            if (packet && packet.ssrc === consumerSsrc) received.push(packet);
            if (received.length === count) resolve();
          });
        });

        const sent: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          const payload = media.payload(i);
          sent.push(payload);
          const packet = buildRtpPacket({
            payloadType: media.codec.payloadType,
            sequenceNumber: 1000 + i,
            timestamp: 5000 + i * media.clockStep,
            ssrc,
            marker: true,
            payload,
          });
          sender.send(packet, ingress.tuple.localPort, '127.0.0.1');
          // Pace like real media so nothing is dropped for burstiness on a busy machine.
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await allArrived;

        expect(consumerSsrc).not.toBe(ssrc);
        expect(received.every((packet) => packet.payloadType === consumerPayloadType)).toBe(true);
        expect(received.map((packet) => Buffer.from(packet.payload).toString('hex'))).toEqual(
          sent.map((payload) => Buffer.from(payload).toString('hex')),
        );

        const [outbound] = await consumer.getStats();
        expect(outbound?.type).toBe('outbound-rtp');
        expect(outbound?.packetCount).toBe(count);
        expect(outbound?.byteCount).toBeGreaterThanOrEqual(
          sent.reduce((total, payload) => total + payload.length, 0),
        );
      } finally {
        ingress.close();
        egress.close();
        sender.close();
        receiver.close();
      }
    });
  }
});
