import { type AeadKey, gcmAuthenticationFailed, gcmParams, importAeadKey } from './aead.ts';
import { bufferSource, prependRoom } from './bytes.ts';
import { type CipherSuiteParams, cipherSuiteParams } from './cipher-suites.ts';
import { openCtrHmac, sealCtrHmac } from './ctr-hmac.ts';
import { SFrameError } from './errors.ts';
import {
  encodeKid,
  frameHeaderLength,
  type KidEncoding,
  type SFrameHeader,
  writeFrameHeader,
} from './header.ts';
import { deriveKeyMaterial, writeNonce } from './key-derivation.ts';

/**
 * Everything derived from one (cipher suite, KID, base_key): the salt, the imported AEAD key
 * and the KID's header encoding. Deriving and importing is the slow, asynchronous part, so it
 * happens once per key, never per frame. The raw sframe_key is wiped once imported; only
 * CryptoKeys remain.
 */
export interface KeyContext {
  readonly suite: CipherSuiteParams;
  readonly kid: bigint;
  readonly kidEncoding: KidEncoding;
  readonly salt: Uint8Array;
  readonly aead: AeadKey;
}

export async function createKeyContext(
  cipherSuite: number,
  kid: bigint,
  baseKey: Uint8Array,
): Promise<KeyContext> {
  const suite = cipherSuiteParams(cipherSuite);
  const { key, salt } = await deriveKeyMaterial(suite.id, kid, baseKey);
  try {
    return {
      suite,
      kid,
      kidEncoding: encodeKid(kid),
      salt,
      aead: await importAeadKey(suite.id, key),
    };
  } finally {
    key.fill(0);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The per-frame nonce followed by `aadLength` bytes for the AAD, in one fresh buffer. Each
 * ArrayBuffer handed to Web Crypto costs about a microsecond in V8 however small (a small
 * typed array is materialised when Web Crypto reads its buffer), so the two share one. Both
 * are fresh per frame: Web Crypto copies its inputs when called, but no buffer is reused for
 * the nonce all the same.
 */
function nonceAndAad(
  ctx: KeyContext,
  ctr: bigint,
  aadLength: number,
): { nonce: Uint8Array<ArrayBuffer>; aad: Uint8Array<ArrayBuffer> } {
  const nn = ctx.salt.length;
  const buffer = new ArrayBuffer(nn + aadLength);
  const nonce = new Uint8Array(buffer, 0, nn);
  writeNonce(nonce, ctx.salt, ctr);
  return { nonce, aad: new Uint8Array(buffer, nn, aadLength) };
}

/**
 * Produces header || ct || tag with AAD = header || metadata (RFC 9605 §4.4.3). With
 * `metadataFirst`, the metadata bytes are also written in the clear ahead of the header, in the
 * same buffer, for layouts that carry the metadata in-band (VP8, see frame-layout.ts).
 *
 * `ctr` must be a uint64 (the sender's own counter). Per frame this is: the header written
 * once (it is the AAD and, copied, the start of the output), one Web Crypto call awaited, and
 * one move of its output to make room for the header (Web Crypto returns a fresh ct || tag
 * buffer and cannot write behind a prefix).
 */
export async function sealFrame(
  ctx: KeyContext,
  ctr: bigint,
  plaintext: Uint8Array,
  metadata: Uint8Array = EMPTY,
  metadataFirst = false,
): Promise<Uint8Array<ArrayBuffer>> {
  const headerLength = frameHeaderLength(ctx.kidEncoding, ctr);
  const { nonce, aad } = nonceAndAad(ctx, ctr, headerLength + metadata.length);
  writeFrameHeader(aad, 0, ctx.kidEncoding, ctr);
  if (metadata.length > 0) aad.set(metadata, headerLength);
  const lead = metadataFirst ? metadata.length : 0;
  const aead = ctx.aead;
  const out =
    aead.construction === 'aes-gcm'
      ? prependRoom(
          await globalThis.crypto.subtle.encrypt(
            gcmParams(nonce, aad),
            aead.key,
            bufferSource(plaintext),
          ),
          lead + headerLength,
        )
      : await sealCtrHmac(aead, nonce, aad, plaintext, lead + headerLength);
  if (lead > 0) out.set(metadata, 0);
  out.set(aad.subarray(0, headerLength), lead);
  return out;
}

/** Checks that a parsed ciphertext can hold its header and a tag of this suite. */
export function assertCiphertextLength(
  suite: CipherSuiteParams,
  header: SFrameHeader,
  length: number,
): void {
  if (length < header.length + suite.nt) {
    throw new SFrameError(
      'truncated',
      `SFrame ciphertext of ${length} bytes is shorter than its ${header.length}-byte header plus ${suite.nt}-byte tag`,
    );
  }
}

/**
 * Authenticates and decrypts `ciphertext` (header || ct || tag) whose header is `header`. The
 * AAD is the header in place (no copy) unless there is metadata to append.
 */
export async function openFrame(
  ctx: KeyContext,
  header: SFrameHeader,
  ciphertext: Uint8Array,
  metadata: Uint8Array = EMPTY,
): Promise<Uint8Array<ArrayBuffer>> {
  assertCiphertextLength(ctx.suite, header, ciphertext.length);
  const headerBytes = ciphertext.subarray(0, header.length);
  let nonce: Uint8Array<ArrayBuffer>;
  let aad: Uint8Array;
  if (metadata.length === 0) {
    nonce = new Uint8Array(ctx.salt.length);
    writeNonce(nonce, ctx.salt, header.ctr);
    aad = headerBytes;
  } else {
    ({ nonce, aad } = nonceAndAad(ctx, header.ctr, header.length + metadata.length));
    aad.set(headerBytes, 0);
    aad.set(metadata, header.length);
  }
  const body = ciphertext.subarray(header.length);
  const aead = ctx.aead;
  if (aead.construction !== 'aes-gcm') return openCtrHmac(aead, nonce, aad, body);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await globalThis.crypto.subtle.decrypt(
      gcmParams(nonce, aad),
      aead.key,
      bufferSource(body),
    );
  } catch (cause) {
    throw gcmAuthenticationFailed(cause);
  }
  return new Uint8Array(plaintext);
}
