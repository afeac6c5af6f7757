import type { SkjermServer } from '@skjerm/server';
import { protectFrame, type SFrameSender } from '@skjerm/sframe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TappedFrame } from '../../apps/server/src/media/frame-tap.ts';
import { book, enterAsClinician, signIn } from '../support/consultations.ts';
import { OPUS_PAYLOAD_TYPE, PlainRtpPeer, VP8_PAYLOAD_TYPE } from '../support/plain-rtp-peer.ts';
import { buildRtpPacket } from '../support/rtp.ts';
import type { SignalingClient } from '../support/signaling-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

let issuer: TestIssuer;
let server: SkjermServer;
const tapped: TappedFrame[] = [];
const clients: SignalingClient[] = [];
const peers: PlainRtpPeer[] = [];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A VP8 frame as an encoder writes it: key frames carry the start code and size (RFC 6386 §9.1). */
function vp8Frame(index: number, size: number): Uint8Array {
  const frame = new Uint8Array(size).map((_, i) => (i * 17 + index * 5) & 0xff);
  const keyFrame = index % 10 === 0;
  frame[0] = keyFrame ? 0x10 : 0x11;
  if (keyFrame) frame.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  return frame;
}

/**
 * Sends `count` SFrame-protected VP8 frames, each split over three RTP packets as a browser's
 * packetizer would (RFC 7741: S bit on the first packet only, marker on the last); returns
 * the protected frames, which is what the server forwards.
 */
async function sendVp8(
  peer: PlainRtpPeer,
  port: number,
  ssrc: number,
  sframe: SFrameSender,
  count: number,
): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  let sequenceNumber = 100;
  for (let index = 0; index < count; index++) {
    const frame = await protectFrame(sframe, 'vp8', vp8Frame(index, 2500));
    sent.push(frame);
    const third = Math.ceil(frame.length / 3);
    for (let part = 0; part < 3; part++) {
      // X=1 (extension), S on the first packet, partition 0; I=1 with a 15-bit picture id.
      const descriptor = [
        part === 0 ? 0x90 : 0x80,
        0x80,
        0x80 | ((index >> 8) & 0x7f),
        index & 0xff,
      ];
      const packet = buildRtpPacket({
        payloadType: VP8_PAYLOAD_TYPE,
        sequenceNumber: sequenceNumber++,
        timestamp: 9000 + index * 3000,
        ssrc,
        marker: part === 2,
        payload: Uint8Array.of(...descriptor, ...frame.subarray(part * third, (part + 1) * third)),
      });
      peer.socket.send(packet, port, '127.0.0.1');
    }
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  return sent;
}

async function sendOpus(
  peer: PlainRtpPeer,
  port: number,
  ssrc: number,
  sframe: SFrameSender,
  count: number,
): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const raw = new Uint8Array(90).map((_, i) => (i * 3 + index) & 0xff);
    const frame = await protectFrame(sframe, 'opus', raw);
    sent.push(frame);
    const packet = buildRtpPacket({
      payloadType: OPUS_PAYLOAD_TYPE,
      sequenceNumber: 500 + index,
      timestamp: index * 960,
      ssrc,
      marker: false,
      payload: frame,
    });
    peer.socket.send(packet, port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sent;
}

describe('the test-only frame tap', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    server = await startTestServer(
      testKeySource(issuer),
      {},
      {
        frameTap: (frame) => tapped.push(frame),
      },
    );
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const peer of peers) peer.close();
    await server?.close();
  });

  it('reports each forwarded frame whole: VP8 packets joined without descriptors, Opus payloads as they are', async () => {
    const booking = await book(server, issuer, people.clinician);
    const doctor = await signIn(server, issuer, people.clinician);
    clients.push(doctor);
    const joined = await enterAsClinician(doctor, booking.consultation.id);
    const kid = joined.senderSlot * 0x1_0000;
    const sframe = await PlainRtpPeer.sframeSender(kid);
    const peer = await PlainRtpPeer.open();
    peers.push(peer);

    const video = await PlainRtpPeer.produce(doctor, 'video', [kid]);
    const audio = await PlainRtpPeer.produce(doctor, 'audio', [kid]);
    const sentVideo = await sendVp8(peer, video.port, video.ssrc, sframe, 30);
    const sentAudio = await sendOpus(peer, audio.port, audio.ssrc, sframe, 30);

    const of = (producerId: string) => tapped.filter((frame) => frame.producerId === producerId);
    await expect.poll(() => of(video.producerId).length, { timeout: 5000 }).toBe(30);
    await expect.poll(() => of(audio.producerId).length, { timeout: 5000 }).toBe(30);
    expect(of(video.producerId).map((frame) => hex(frame.payload))).toEqual(sentVideo.map(hex));
    expect(of(audio.producerId).map((frame) => hex(frame.payload))).toEqual(sentAudio.map(hex));
    expect(of(video.producerId)[0]).toMatchObject({
      consultationId: booking.consultation.id,
      participantId: joined.participantId,
      kind: 'video',
    });
    expect(of(audio.producerId)[0]?.kind).toBe('audio');
  });
});
