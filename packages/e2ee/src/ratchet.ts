import { CanonicalWriter } from './canonical.ts';

/**
 * Skjerm's SFrame base keys are 32 random bytes. SFrame derives the suite's AEAD key and salt
 * from the base key with HKDF (RFC 9605 §4.4.2), which accepts any length, and 32 bytes keeps
 * a full 256-bit margin for every suite including AES_256_GCM_SHA512_128.
 */
export const BASE_KEY_BYTES = 32;

export function randomBaseKey(): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(BASE_KEY_BYTES));
}

/**
 * One ratchet step: base_key(next) = HKDF-SHA256(IKM = base_key(current), salt = empty,
 * info = label || next KID, L = 32).
 *
 * HKDF is one-way, so a participant handed a ratcheted key (a newcomer) cannot recover the
 * previous one and decrypts nothing sent before it joined, while everyone who held the previous
 * key derives the next one locally, with no envelope. Putting the next KID in `info` ties each
 * derived key to one sender slot and epoch, so no two KIDs ever share a key even if two
 * senders once started from the same bytes.
 */
export async function ratchetBaseKey(
  baseKey: Uint8Array,
  nextKid: bigint,
): Promise<Uint8Array<ArrayBuffer>> {
  const info = new CanonicalWriter('skjerm/e2ee sframe-ratchet v1')
    .string(nextKid.toString())
    .finish();
  // Web Crypto copies the bytes it imports; the copy made here is wiped once it has.
  const material = new Uint8Array(baseKey);
  let ikm: CryptoKey;
  try {
    ikm = await globalThis.crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveBits']);
  } finally {
    material.fill(0);
  }
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info },
    ikm,
    BASE_KEY_BYTES * 8,
  );
  return new Uint8Array(bits);
}
