import { bufferSource, uintBE } from './bytes.ts';
import { type CipherSuiteParams, cipherSuiteParams } from './cipher-suites.ts';
import { SFrameError } from './errors.ts';
import { assertUint64 } from './header.ts';

const encoder = new TextEncoder();

// RFC 9605 §4.4.2. The trailing space is part of each label; the 8-byte KID and 2-byte suite
// follow it directly.
const KEY_LABEL_PREFIX = encoder.encode('SFrame 1.0 Secret key ');
const SALT_LABEL_PREFIX = encoder.encode('SFrame 1.0 Secret salt ');

const EMPTY = new Uint8Array(0);

function label(prefix: Uint8Array, kid: bigint, cipherSuite: number): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'KID');
  const out = new Uint8Array(prefix.length + 10);
  out.set(prefix, 0);
  // The KID is its full 8-byte big-endian form here, not the compressed header form.
  out.set(uintBE(kid, 8), prefix.length);
  out.set(uintBE(BigInt(cipherSuite), 2), prefix.length + 8);
  return out;
}

/** "SFrame 1.0 Secret key " + KID (8 bytes BE) + cipher_suite (2 bytes BE). */
export function sframeKeyLabel(kid: bigint, cipherSuite: number): Uint8Array<ArrayBuffer> {
  return label(KEY_LABEL_PREFIX, kid, cipherSuite);
}

/** "SFrame 1.0 Secret salt " + KID (8 bytes BE) + cipher_suite (2 bytes BE). */
export function sframeSaltLabel(kid: bigint, cipherSuite: number): Uint8Array<ArrayBuffer> {
  return label(SALT_LABEL_PREFIX, kid, cipherSuite);
}

export interface SFrameKeyMaterial {
  /** sframe_key: AEAD.Nk bytes. */
  readonly key: Uint8Array<ArrayBuffer>;
  /** sframe_salt: AEAD.Nn bytes. */
  readonly salt: Uint8Array<ArrayBuffer>;
}

/**
 * sframe_secret = HKDF-Extract("", base_key); sframe_key / sframe_salt = HKDF-Expand(secret,
 * label, Nk / Nn). Web Crypto's HKDF performs Extract then Expand with the given salt and info,
 * which is exactly this with an empty salt (RFC 5869 treats an empty salt as HashLen zeros,
 * and HMAC pads its key with zeros, so both readings agree).
 */
export async function deriveKeyMaterial(
  cipherSuite: number,
  kid: bigint,
  baseKey: Uint8Array,
): Promise<SFrameKeyMaterial> {
  const suite: CipherSuiteParams = cipherSuiteParams(cipherSuite);
  assertUint64(kid, 'KID');
  if (!(baseKey instanceof Uint8Array) || baseKey.length === 0) {
    throw new SFrameError('invalid-argument', 'SFrame base key must be a non-empty Uint8Array');
  }
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey('raw', bufferSource(baseKey), 'HKDF', false, ['deriveBits']);
  const expand = (info: Uint8Array<ArrayBuffer>, bytes: number): Promise<ArrayBuffer> =>
    subtle.deriveBits({ name: 'HKDF', hash: suite.hash, salt: EMPTY, info }, ikm, bytes * 8);
  const [key, salt] = await Promise.all([
    expand(sframeKeyLabel(kid, suite.id), suite.nk),
    expand(sframeSaltLabel(kid, suite.id), suite.nn),
  ]);
  return { key: new Uint8Array(key), salt: new Uint8Array(salt) };
}

/**
 * nonce = sframe_salt XOR CTR, the CTR left-padded with zeros to Nn bytes (RFC 9605 §4.4.3).
 * CTR is at most 8 bytes, so only the last 8 salt bytes can change.
 */
export function formNonce(salt: Uint8Array, ctr: bigint): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(salt.length);
  writeNonce(nonce, salt, ctr);
  return nonce;
}

/**
 * Writes the nonce for `ctr` into `out[0 .. salt.length)`; `ctr` must be a uint64. Runs once
 * per frame, so the XOR uses Number arithmetic while CTR fits 32 bits, which is nearly always.
 */
export function writeNonce(out: Uint8Array, salt: Uint8Array, ctr: bigint): void {
  out.set(salt, 0);
  let i = salt.length - 1;
  if (ctr <= 0xffff_ffffn) {
    for (let n = Number(ctr); n !== 0; n >>>= 8) {
      out[i] = (out[i] as number) ^ (n & 0xff);
      i--;
    }
    return;
  }
  for (let v = ctr; v !== 0n; v >>= 8n) {
    out[i] = (out[i] as number) ^ Number(v & 0xffn);
    i--;
  }
}
