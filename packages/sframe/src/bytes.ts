/** Byte helpers shared by the modules; not part of the public API. */

/**
 * Web Crypto's TypeScript signatures want views over a plain ArrayBuffer. Our inputs are typed
 * as any Uint8Array so callers are not forced to care; a view over a SharedArrayBuffer (which
 * Web Crypto rejects) is copied, everything else is passed through without a copy.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  return new Uint8Array(bytes);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const UINT32_MAX = 0xffff_ffffn;

/** Writes `value` big-endian into `out[offset .. offset + width)`. */
export function writeUintBE(out: Uint8Array, offset: number, value: bigint, width: number): void {
  // Per-frame values (CTR, lengths) almost always fit 32 bits, where Number math is far
  // cheaper than BigInt shifts.
  if (value <= UINT32_MAX) {
    let n = Number(value);
    for (let i = width - 1; i >= 0; i--) {
      out[offset + i] = n & 0xff;
      n >>>= 8;
    }
    return;
  }
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Reads `width` bytes big-endian from `bytes[offset ..]`. */
export function readUintBE(bytes: Uint8Array, offset: number, width: number): bigint {
  if (width <= 6) {
    // At most 48 bits: exact in a double.
    let n = 0;
    for (let i = 0; i < width; i++) n = n * 256 + (bytes[offset + i] as number);
    return BigInt(n);
  }
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[offset + i] as number);
  return v;
}

export function uintBE(value: bigint, width: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(width);
  writeUintBE(out, 0, value, width);
  return out;
}

/**
 * Compares every byte whatever the first difference, so the time taken does not tell an
 * attacker how many leading bytes of a forged tag were right.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Returns `buffer`'s bytes moved `reserve` bytes to the right, with `extra` bytes after them,
 * as a view spanning a whole ArrayBuffer. The first `reserve` and last `extra` bytes are
 * unspecified: the caller overwrites them (with the SFrame header, clear prefix, tag).
 *
 * `buffer` must be owned by the caller (it is detached). ArrayBuffer.prototype.transfer moves
 * the bytes into an uninitialised allocation; `new Uint8Array(n)` plus a copy would zero-fill a
 * second frame-sized buffer first, which in Node 24 adds about 20% to a 60 KB AES-GCM round
 * trip, against about 5% this way.
 */
export function prependRoom(
  buffer: ArrayBuffer,
  reserve: number,
  extra = 0,
): Uint8Array<ArrayBuffer> {
  const length = buffer.byteLength;
  if (reserve === 0 && extra === 0) return new Uint8Array(buffer);
  if (typeof buffer.transfer === 'function') {
    const out = new Uint8Array(buffer.transfer(reserve + length + extra));
    if (reserve > 0) out.copyWithin(reserve, 0, length);
    return out;
  }
  const out = new Uint8Array(reserve + length + extra);
  out.set(new Uint8Array(buffer), reserve);
  return out;
}

/** The bytes of `view` as an ArrayBuffer of exactly that length (no copy when it already is). */
export function wholeBuffer(view: Uint8Array<ArrayBuffer>): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view.buffer;
  return view.slice().buffer;
}

/**
 * `view` (spanning its whole buffer, which the caller owns) resized to `length` bytes, keeping
 * its leading bytes; transfer() avoids zero-filling a new buffer, as in prependRoom.
 */
export function resizeTo(view: Uint8Array<ArrayBuffer>, length: number): Uint8Array<ArrayBuffer> {
  if (view.length === length) return view;
  if (typeof view.buffer.transfer === 'function') {
    return new Uint8Array(view.buffer.transfer(length));
  }
  const out = new Uint8Array(length);
  out.set(view.subarray(0, Math.min(length, view.length)));
  return out;
}
