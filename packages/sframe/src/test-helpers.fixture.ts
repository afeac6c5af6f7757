// Test-only helpers shared by the sframe test files.
import { expect } from 'vitest';
import { SFrameError, type SFrameErrorCode } from './errors.ts';

export const ALL_SUITES = [1, 2, 3, 4, 5] as const;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < length; i += 65_536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65_536)));
  }
  return out;
}

/** Resolves to the SFrameError code the promise rejected with; fails if it resolved. */
export async function rejectionCode(promise: Promise<unknown>): Promise<SFrameErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SFrameError);
    return (error as SFrameError).code;
  }
  throw new Error('expected the operation to be rejected, but it succeeded');
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

/** A VP8 key frame: frame tag with key-frame bit 0, start code, 640x480, then "data". */
export function vp8KeyFrame(payloadBytes: number): Uint8Array<ArrayBuffer> {
  const head = [0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
  const frame = new Uint8Array(head.length + payloadBytes);
  frame.set(head, 0);
  frame.set(randomBytes(payloadBytes), head.length);
  return frame;
}

/** A VP8 inter (delta) frame: key-frame bit 1, then "data". */
export function vp8DeltaFrame(payloadBytes: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(3 + payloadBytes);
  frame.set([0x31, 0x0a, 0x00], 0);
  frame.set(randomBytes(payloadBytes), 3);
  return frame;
}
