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
  const encodedKid = encodeKid(kid);
  assertUint64(ctr, 'CTR');
  return writeFrameHeader(out, offset, encodedKid, ctr);
}

export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'KID');
  assertUint64(ctr, 'CTR');
  const out = new Uint8Array(encodedHeaderLength(kid, ctr));
  writeHeader(out, 0, kid, ctr);
  return out;
}

/**
 * The KID half of a header, encoded once per key so that per-frame header writing only
 * encodes the CTR (see writeFrameHeader).
 */
export interface KidEncoding {
  /** Config-byte bits for the KID (X flag and K bits). */
  readonly config: number;
  /** The extended-form KID bytes; empty in the short form. */
  readonly bytes: Uint8Array;
}

export function encodeKid(kid: bigint): KidEncoding {
  assertUint64(kid, 'KID');
  if (kid < SHORT_FORM_LIMIT) return { config: Number(kid) << 4, bytes: new Uint8Array(0) };
  const len = extendedLength(kid);
  const bytes = new Uint8Array(len);
  writeUintBE(bytes, 0, kid, len);
  return { config: 0x80 | ((len - 1) << 4), bytes };
}

/** Header length for a KID encoded by encodeKid and a CTR already known to be a uint64. */
export function frameHeaderLength(kid: KidEncoding, ctr: bigint): number {
  return 1 + kid.bytes.length + (ctr < SHORT_FORM_LIMIT ? 0 : extendedLength(ctr));
}

/**
 * writeHeader for a pre-encoded KID and a CTR the caller has already range-checked (a sender's
 * own counter, a parsed header's CTR): the per-frame path, without re-validating or
 * re-encoding the KID. Returns the number of bytes written.
 */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  kid: KidEncoding,
  ctr: bigint,
): number {
  let pos = offset + 1;
  const kidBytes = kid.bytes;
  for (let i = 0; i < kidBytes.length; i++) out[pos++] = kidBytes[i] as number;
  let config = kid.config;
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

interface HeaderFailure {
  readonly ok: false;
  readonly code: Extract<SFrameErrorCode, 'truncated' | 'malformed-header'>;
  readonly message: string;
}

function truncatedField(name: 'KID' | 'CTR', len: number, available: number): HeaderFailure {
  return {
    ok: false,
    code: 'truncated',
    message: `SFrame header is truncated: ${name} needs ${len} byte(s), ${Math.max(0, available)} available`,
  };
}

function nonMinimalField(name: 'KID' | 'CTR'): HeaderFailure {
  return {
    ok: false,
    code: 'malformed-header',
    message: `SFrame header is malformed: ${name} is not minimally encoded`,
  };
}

/**
 * An extended-form field is valid only in its minimal encoding: RFC 9605 §4.3 says the value
 * MUST use the minimum number of bytes, and values below 8 MUST use the short form, so that one
 * (KID, CTR) has exactly one header.
 */
function isMinimal(bytes: Uint8Array, pos: number, len: number, value: bigint): boolean {
  return value >= SHORT_FORM_LIMIT && (len === 1 || bytes[pos] !== 0);
}

/**
 * The one parser behind parseHeader and decodeHeader. Valid headers, the per-frame case,
 * allocate nothing but the result; only failures build a message.
 */
function readHeader(bytes: Uint8Array): SFrameHeader | HeaderFailure {
  const config = bytes[0];
  if (config === undefined) {
    return { ok: false, code: 'truncated', message: 'SFrame header is truncated: no config byte' };
  }
  let pos = 1;
  let kid: bigint;
  if ((config & 0x80) === 0) {
    kid = BigInt((config >> 4) & 0x07);
  } else {
    const len = ((config >> 4) & 0x07) + 1;
    if (pos + len > bytes.length) return truncatedField('KID', len, bytes.length - pos);
    kid = readUintBE(bytes, pos, len);
    if (!isMinimal(bytes, pos, len, kid)) return nonMinimalField('KID');
    pos += len;
  }
  let ctr: bigint;
  if ((config & 0x08) === 0) {
    ctr = BigInt(config & 0x07);
  } else {
    const len = (config & 0x07) + 1;
    if (pos + len > bytes.length) return truncatedField('CTR', len, bytes.length - pos);
    ctr = readUintBE(bytes, pos, len);
    if (!isMinimal(bytes, pos, len, ctr)) return nonMinimalField('CTR');
    pos += len;
  }
  return { kid, ctr, length: pos };
}

/** Parses the header at the start of `bytes` without throwing (for hot, sampled paths). */
export function parseHeader(bytes: Uint8Array): HeaderParseResult {
  const result = readHeader(bytes);
  return 'ok' in result ? result : { ok: true, header: result };
}

/** Parses the header at the start of `bytes`; throws `truncated` or `malformed-header`. */
export function decodeHeader(bytes: Uint8Array): SFrameHeader {
  const result = readHeader(bytes);
  if ('ok' in result) throw new SFrameError(result.code, result.message);
  return result;
}
