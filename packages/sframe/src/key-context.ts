import { type AeadKey, aeadOpen, aeadSeal, importAeadKey } from './aead.ts';
import { concatBytes } from './bytes.ts';
import { type CipherSuiteParams, cipherSuiteParams } from './cipher-suites.ts';
import { SFrameError } from './errors.ts';
import { encodeHeader, type SFrameHeader } from './header.ts';
import { deriveKeyMaterial, formNonce } from './key-derivation.ts';

/**
 * Everything derived from one (cipher suite, KID, base_key): the salt and the imported AEAD
 * key. Deriving and importing is the slow, asynchronous part, so it happens once per key,
 * never per frame. The raw sframe_key is wiped once imported; only CryptoKeys remain.
 */
export interface KeyContext {
  readonly suite: CipherSuiteParams;
  readonly kid: bigint;
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
    return { suite, kid, salt, aead: await importAeadKey(suite.id, key) };
  } finally {
    key.fill(0);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Produces header || ct || tag with AAD = header || metadata (RFC 9605 §4.4.3). With
 * `metadataFirst`, the metadata bytes are also written in the clear ahead of the header, in the
 * same buffer, for layouts that carry the metadata in-band (VP8, see frame-layout.ts).
 */
export async function sealFrame(
  ctx: KeyContext,
  ctr: bigint,
  plaintext: Uint8Array,
  metadata: Uint8Array = EMPTY,
  metadataFirst = false,
): Promise<Uint8Array<ArrayBuffer>> {
  const header = encodeHeader(ctx.kid, ctr);
  const aad = metadata.length === 0 ? header : concatBytes(header, metadata);
  const lead = metadataFirst ? metadata.length : 0;
  const out = await aeadSeal(
    ctx.aead,
    formNonce(ctx.salt, ctr),
    aad,
    plaintext,
    lead + header.length,
  );
  if (metadataFirst) out.set(metadata, 0);
  out.set(header, lead);
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

/** Authenticates and decrypts `ciphertext` (header || ct || tag) whose header is `header`. */
export async function openFrame(
  ctx: KeyContext,
  header: SFrameHeader,
  ciphertext: Uint8Array,
  metadata: Uint8Array = EMPTY,
): Promise<Uint8Array<ArrayBuffer>> {
  assertCiphertextLength(ctx.suite, header, ciphertext.length);
  const headerBytes = ciphertext.subarray(0, header.length);
  const aad = metadata.length === 0 ? headerBytes : concatBytes(headerBytes, metadata);
  return aeadOpen(
    ctx.aead,
    formNonce(ctx.salt, header.ctr),
    aad,
    ciphertext.subarray(header.length),
  );
}
