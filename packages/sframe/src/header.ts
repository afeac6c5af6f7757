import { readUintBE, writeUintBE } from './bytes.ts';
import { SFrameError, type SFrameErrorCode } from './errors.ts';

/** KID and CTR are unsigned 64-bit integers on the wire (RFC 9605 §4.3: up to 8 bytes each). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/** Config byte plus an 8-byte KID and an 8-byte CTR. */
export const MAX_HEADER_LENGTH = 17;

/**
 * Values 0-7 fit in the 3 bits of the config byte ("short form"); larger values are appended
 * after the config byte with the 3 bits holding the byte length minus one (RFC 9605 §4.3).
 */
const SHORT_FORM_LIMIT = 8n;

export interface SFrameHeader {
  readonly kid: bigint;
  readonly ctr: bigint;
  /** Number of bytes the header occupies at the start of the SFrame ciphertext. */
  readonly length: number;
}

export type HeaderParseResult =
  | { readonly ok: true; readonly header: SFrameHeader }
  | {
      readonly ok: false;
      readonly code: Extract<SFrameErrorCode, 'truncated' | 'malformed-header'>;
      readonly message: string;
    };

export function assertUint64(value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT64) {
    throw new SFrameError('invalid-argument', `${what} must be a bigint in 0 .. 2^64-1`);
  }
}

/** Bytes needed for the extended form; RFC 9605 §4.3 requires the minimum number. */
function extendedLength(value: bigint): number {
  if (value <= 0xffff_ffffn) {
    const n = Number(value);
    return n > 0xff_ffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
  }
  let length = 5;
  for (let v = value >> 40n; v > 0n; v >>= 8n) length++;
  return length;
}

export function encodedHeaderLength(kid: bigint, ctr: bigint): number {
  return (
    1 +
    (kid < SHORT_FORM_LIMIT ? 0 : extendedLength(kid)) +
    (ctr < SHORT_FORM_LIMIT ? 0 : extendedLength(ctr))
  );
}

/**
 * Writes the minimal encoding of (kid, ctr) into `out` at `offset` and returns the number of
 * bytes written. Callers writing into a larger frame buffer avoid a copy this way.
 */
export function writeHeader(out: Uint8Array, offset: number, kid: bigint, ctr: bigint): number {
  assertUint64(kid, 'KID');
  assertUint64(ctr, 'CTR');
  let config = 0;
  let pos = offset + 1;
  if (kid < SHORT_FORM_LIMIT) {
    config |= Number(kid) << 4;
  } else {
    const len = extendedLength(kid);
    config |= 0x80 | ((len - 1) << 4);
    writeUintBE(out, pos, kid, len);
    pos += len;
  }
  if (ctr < SHORT_FORM_LIMIT) {
    config |= Number(ctr);
  } else {
    const len = extendedLength(ctr);
    config |= 0x08 | (len - 1);
    writeUintBE(out, pos, ctr, len);
    pos += len;
  }
  out[offset] = config;
  return pos - offset;
}

export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'KID');
  assertUint64(ctr, 'CTR');
  const out = new Uint8Array(encodedHeaderLength(kid, ctr));
  writeHeader(out, 0, kid, ctr);
  return out;
}

type FieldResult = { value: bigint; next: number } | HeaderParseResult;

function readField(
  bytes: Uint8Array,
  pos: number,
  extended: boolean,
  bits: number,
  name: 'KID' | 'CTR',
): FieldResult {
  if (!extended) return { value: BigInt(bits), next: pos };
  const len = bits + 1;
  if (pos + len > bytes.length) {
    return {
      ok: false,
      code: 'truncated',
      message: `SFrame header is truncated: ${name} needs ${len} byte(s), ${Math.max(0, bytes.length - pos)} available`,
    };
  }
  const value = readUintBE(bytes, pos, len);
  // A non-minimal encoding would give one (KID, CTR) several headers; RFC 9605 §4.3 says the
  // value MUST use the minimum number of bytes, and values below 8 MUST use the short form.
  if (value < SHORT_FORM_LIMIT || (len > 1 && bytes[pos] === 0)) {
    return {
      ok: false,
      code: 'malformed-header',
      message: `SFrame header is malformed: ${name} is not minimally encoded`,
    };
  }
  return { value, next: pos + len };
}

/** Parses the header at the start of `bytes` without throwing (for hot, sampled paths). */
export function parseHeader(bytes: Uint8Array): HeaderParseResult {
  const config = bytes[0];
  if (config === undefined) {
    return { ok: false, code: 'truncated', message: 'SFrame header is truncated: no config byte' };
  }
  const kid = readField(bytes, 1, (config & 0x80) !== 0, (config >> 4) & 0x07, 'KID');
  if ('ok' in kid) return kid;
  const ctr = readField(bytes, kid.next, (config & 0x08) !== 0, config & 0x07, 'CTR');
  if ('ok' in ctr) return ctr;
  return { ok: true, header: { kid: kid.value, ctr: ctr.value, length: ctr.next } };
}

/** Parses the header at the start of `bytes`; throws `truncated` or `malformed-header`. */
export function decodeHeader(bytes: Uint8Array): SFrameHeader {
  const result = parseHeader(bytes);
  if (!result.ok) throw new SFrameError(result.code, result.message);
  return result.header;
}
