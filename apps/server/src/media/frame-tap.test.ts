import { describe, expect, it } from 'vitest';
import { FrameAssembler } from './frame-tap.ts';

/** An RTP packet (RFC 3550) with a VP8 payload descriptor (RFC 7741 §4.2) when `start` is given. */
function packet(
  sequenceNumber: number,
  timestamp: number,
  marker: boolean,
  payload: number[],
  vp8?: { start: boolean },
): Uint8Array {
  const descriptor = vp8 ? [vp8.start ? 0x90 : 0x80, 0x80, 0x81, 0x23] : [];
  const bytes = new Uint8Array(12 + descriptor.length + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, 0x80);
  view.setUint8(1, (marker ? 0x80 : 0) | 101);
  view.setUint16(2, sequenceNumber);
  view.setUint32(4, timestamp);
  view.setUint32(8, 0x1234);
  bytes.set([...descriptor, ...payload], 12);
  return bytes;
}

describe('FrameAssembler', () => {
  it('joins the packets of a VP8 frame without their payload descriptors', () => {
    const assembler = new FrameAssembler('video/VP8');
    expect(assembler.push(packet(1, 90, false, [1, 2], { start: true }))).toBeUndefined();
    expect(assembler.push(packet(2, 90, false, [3], { start: false }))).toBeUndefined();
    expect(assembler.push(packet(3, 90, true, [4, 5], { start: false }))).toEqual(
      Uint8Array.of(1, 2, 3, 4, 5),
    );
    // Sequence numbers wrap.
    assembler.push(packet(0xffff, 180, false, [6], { start: true }));
    expect(assembler.push(packet(0, 180, true, [7], { start: false }))).toEqual(
      Uint8Array.of(6, 7),
    );
    expect(assembler.incompleteFrames).toBe(0);
  });

  it('skips and counts a VP8 frame that lost a packet, and ignores the tail of one never begun', () => {
    const assembler = new FrameAssembler('video/VP8');
    assembler.push(packet(1, 90, false, [1], { start: true }));
    expect(assembler.push(packet(3, 90, true, [3], { start: false }))).toBeUndefined();
    expect(assembler.incompleteFrames).toBe(1);
    expect(assembler.push(packet(5, 180, true, [5], { start: false }))).toBeUndefined();
    // A new frame starting before the last one's marker: the last one was cut short.
    assembler.push(packet(6, 270, false, [6], { start: true }));
    expect(assembler.push(packet(7, 360, true, [7], { start: true }))).toEqual(Uint8Array.of(7));
    expect(assembler.incompleteFrames).toBe(2);
  });

  it('reports each Opus packet as a frame, and no padding-only packet', () => {
    const assembler = new FrameAssembler('audio/opus');
    expect(assembler.push(packet(1, 960, false, [9, 8, 7]))).toEqual(Uint8Array.of(9, 8, 7));
    expect(assembler.push(packet(2, 1920, false, []))).toBeUndefined();
    expect(assembler.push(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });
});
