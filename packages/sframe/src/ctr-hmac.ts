import { bufferSource, constantTimeEqual, prependRoom, resizeTo } from './bytes.ts';
import type { CipherSuiteParams } from './cipher-suites.ts';
import { SFrameError } from './errors.ts';

/**
 * The synthetic AEAD of RFC 9605 §4.5.1: AES-CTR encryption, then HMAC over the lengths,
 * nonce, AAD and ciphertext, truncated to Nt bytes (encrypt-then-MAC, as in SRTP). It exists so
 * that audio can use tags as short as 4 bytes, which AES-GCM does not allow.
 */

export interface CtrHmacKey {
  readonly suite: CipherSuiteParams;
  readonly encKey: CryptoKey;
  readonly authKey: CryptoKey;
}

/** enc_key = sframe_key[..Nka], auth_key = sframe_key[Nka..] (RFC 9605 §4.5.1). */
export function splitCtrHmacKey(
  suite: CipherSuiteParams,
  key: Uint8Array,
): { encKey: Uint8Array; authKey: Uint8Array } {
  return { encKey: key.subarray(0, suite.nka), authKey: key.subarray(suite.nka) };
}

export async function importCtrHmacKey(
  suite: CipherSuiteParams,
  key: Uint8Array,
): Promise<CtrHmacKey> {
  const { encKey, authKey } = splitCtrHmacKey(suite, key);
  const subtle = globalThis.crypto.subtle;
  const [enc, auth] = await Promise.all([
    subtle.importKey('raw', bufferSource(encKey), 'AES-CTR', false, ['encrypt', 'decrypt']),
    subtle.importKey('raw', bufferSource(authKey), { name: 'HMAC', hash: suite.hash }, false, [
      'sign',
    ]),
  ]);
  return { suite, encKey: enc, authKey: auth };
}

/** initial_counter = nonce || 0x00000000; the low 32 bits count AES blocks. */
function ctrParams(nonce: Uint8Array): AesCtrParams {
  const counter = new Uint8Array(16);
  counter.set(nonce, 0);
  return { name: 'AES-CTR', counter, length: 32 };
}

/** Writes `value` (below 2^53) as an 8-byte big-endian integer, without BigInt. */
function writeUint64(out: Uint8Array, offset: number, value: number): void {
  let high = Math.floor(value / 0x1_0000_0000);
  let low = value >>> 0;
  for (let i = 7; i >= 4; i--) {
    out[offset + i] = low & 0xff;
    low >>>= 8;
  }
  for (let i = 3; i >= 0; i--) {
    out[offset + i] = high & 0xff;
    high >>>= 8;
  }
}

/** Writes len(aad) (8 B) || len(ct) (8 B) || Nt (8 B) || nonce || aad at the start of `out`. */
function writeAuthPrefix(
  out: Uint8Array,
  nt: number,
  nonce: Uint8Array,
  aad: Uint8Array,
  ctLength: number,
): number {
  writeUint64(out, 0, aad.length);
  writeUint64(out, 8, ctLength);
  writeUint64(out, 16, nt);
  out.set(nonce, 24);
  out.set(aad, 24 + nonce.length);
  return 24 + nonce.length + aad.length;
}

/** HMAC over auth_data = lengths || nonce || aad || ct, truncated to Nt (RFC 9605 §4.5.1). */
async function computeTag(
  key: CtrHmacKey,
  nonce: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
): Promise<Uint8Array> {
  const authData = new Uint8Array(24 + nonce.length + aad.length + ct.length);
  authData.set(ct, writeAuthPrefix(authData, key.suite.nt, nonce, aad, ct.length));
  const mac = await globalThis.crypto.subtle.sign('HMAC', key.authKey, authData);
  return new Uint8Array(mac, 0, key.suite.nt);
}

/**
 * Returns a buffer of `reserve` unset bytes followed by ct || tag. Web Crypto's HMAC needs
 * auth_data contiguous, so the ciphertext buffer is grown in place to hold auth_data, MACed,
 * then shifted back and trimmed to the output: no second frame-sized allocation.
 */
export async function sealCtrHmac(
  key: CtrHmacKey,
  nonce: Uint8Array<ArrayBuffer>,
  aad: Uint8Array,
  plaintext: Uint8Array,
  reserve: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const nt = key.suite.nt;
  const sealed = await globalThis.crypto.subtle.encrypt(
    ctrParams(nonce),
    key.encKey,
    bufferSource(plaintext),
  );
  const ctLength = sealed.byteLength;
  const lead = 24 + nonce.length + aad.length;
  const authData = prependRoom(sealed, lead);
  writeAuthPrefix(authData, nt, nonce, aad, ctLength);
  const mac = await globalThis.crypto.subtle.sign('HMAC', key.authKey, authData);
  const outLength = reserve + ctLength + nt;
  // SFrame's reserve (header and clear prefix) never exceeds the AAD, so this only shrinks.
  const room = reserve > lead ? resizeTo(authData, outLength) : authData;
  room.copyWithin(reserve, lead, lead + ctLength);
  const out = resizeTo(room, outLength);
  out.set(new Uint8Array(mac, 0, nt), reserve + ctLength);
  return out;
}

export async function openCtrHmac(
  key: CtrHmacKey,
  nonce: Uint8Array<ArrayBuffer>,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const nt = key.suite.nt;
  if (ciphertext.length < nt) {
    throw new SFrameError('truncated', 'SFrame ciphertext is shorter than its authentication tag');
  }
  const inner = ciphertext.subarray(0, ciphertext.length - nt);
  const tag = ciphertext.subarray(ciphertext.length - nt);
  // Decrypting alongside the MAC check saves a round trip through Web Crypto; the plaintext is
  // released only after the tag has been compared, and wiped if it does not match.
  const [expected, plain] = await Promise.all([
    computeTag(key, nonce, aad, inner),
    globalThis.crypto.subtle.encrypt(ctrParams(nonce), key.encKey, bufferSource(inner)),
  ]);
  const plaintext = new Uint8Array(plain);
  if (!constantTimeEqual(expected, tag)) {
    plaintext.fill(0);
    throw new SFrameError('authentication-failed', 'SFrame authentication tag does not match');
  }
  return plaintext;
}
