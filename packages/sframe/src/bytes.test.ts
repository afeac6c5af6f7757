import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, constantTimeEqual, prependRoom, resizeTo, uintBE } from './bytes.ts';

const transfer = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'transfer');

afterEach(() => {
  if (transfer) Object.defineProperty(ArrayBuffer.prototype, 'transfer', transfer);
});

function withoutTransfer(): void {
  Object.defineProperty(ArrayBuffer.prototype, 'transfer', {
    value: undefined,
    configurable: true,
  });
}

describe('byte helpers', () => {
  it.each([
    ['with', () => {}],
    ['without', withoutTransfer],
  ])('moves bytes right to make room, %s ArrayBuffer.transfer', (_label, setup) => {
    setup();
    const out = prependRoom(new Uint8Array([1, 2, 3]).buffer, 2, 1);
    expect(out).toHaveLength(6);
    expect(out.subarray(2, 5)).toEqual(new Uint8Array([1, 2, 3]));
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(6);
  });

  it.each([
    ['with', () => {}],
    ['without', withoutTransfer],
  ])('resizes a buffer keeping its leading bytes, %s ArrayBuffer.transfer', (_label, setup) => {
    setup();
    expect(resizeTo(new Uint8Array([1, 2, 3, 4]), 2)).toEqual(new Uint8Array([1, 2]));
    expect(resizeTo(new Uint8Array([1, 2]), 3)).toEqual(new Uint8Array([1, 2, 0]));
  });

  it('compares equal-length byte strings and refuses different lengths', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });

  it('encodes big-endian integers and concatenates', () => {
    expect(uintBE(0x0102n, 4)).toEqual(new Uint8Array([0, 0, 1, 2]));
    expect(concatBytes(new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3]))).toEqual(
      new Uint8Array([1, 2, 3]),
    );
  });
});
