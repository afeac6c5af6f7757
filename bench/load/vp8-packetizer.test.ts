import { describe, expect, it } from 'vitest';
import { joinChunks, Vp8FrameAssembler } from './frame-assembler.ts';
import {
  MAX_RTP_PAYLOAD,
  packetizeVp8,
  readVp8Descriptor,
  VP8_DESCRIPTOR_BYTES,
} from './vp8-packetizer.ts';

const frameOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);

describe('packetizeVp8', () => {
  it('splits a frame into near-equal packets of at most 1100 bytes', () => {
    const payloads = packetizeVp8(frameOf(5000), 300);
    expect(payloads).toHaveLength(5);
    const sizes = payloads.map((p) => p.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_RTP_PAYLOAD);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('sets the S bit on the first packet only and carries the picture id', () => {
    const payloads = packetizeVp8(frameOf(2500), 0x1234);
    const starts = payloads.map((p) => readVp8Descriptor(p, 0, p.length)?.frameStart);
    expect(starts).toEqual([true, false, false]);
    for (const p of payloads)
      expect(((p[2] as number) & 0x7f) * 256 + (p[3] as number)).toBe(0x1234);
  });

  it('leaves headroom for the RTP header', () => {
    const [first] = packetizeVp8(frameOf(100), 1, MAX_RTP_PAYLOAD, 12);
    expect(first?.length).toBe(12 + VP8_DESCRIPTOR_BYTES + 100);
    expect(first && readVp8Descriptor(first, 12, first.length)).toEqual({
      frameStart: true,
      dataStart: 16,
    });
  });

  it('reads the optional descriptor fields browsers send', () => {
    // X with I (7-bit picture id), L and T/K: 1 + 1 + 1 + 1 + 1 bytes before the data.
    const payload = Uint8Array.of(0x90, 0xf0, 0x05, 0x11, 0x20, 0xaa);
    expect(readVp8Descriptor(payload, 0, payload.length)).toEqual({
      frameStart: true,
      dataStart: 5,
    });
  });
});

describe('Vp8FrameAssembler', () => {
  it('gives back exactly the frame that was packetized', () => {
    const frame = frameOf(4321);
    const assembler = new Vp8FrameAssembler();
    const payloads = packetizeVp8(frame, 9);
    let out: Uint8Array[] | undefined;
    payloads.forEach((p, i) => {
      out = assembler.push(
        (65534 + i) & 0xffff,
        i === payloads.length - 1,
        i === 0,
        p.subarray(VP8_DESCRIPTOR_BYTES),
      );
    });
    expect(out && joinChunks(out)).toEqual(frame);
  });

  it('abandons a frame with a missing packet and picks up at the next frame', () => {
    const assembler = new Vp8FrameAssembler();
    const data = new Uint8Array(10);
    expect(assembler.push(1, false, true, data)).toBeUndefined();
    expect(assembler.push(3, true, false, data)).toBeUndefined(); // 2 was lost
    expect(assembler.abandoned).toBe(1);
    expect(assembler.push(4, true, true, data)).toHaveLength(1);
  });
});
