import { type Cipheriv, createCipheriv, createDecipheriv } from 'node:crypto';
import {
  cipherSuiteParams,
  clearPrefixLength,
  decodeHeader,
  deriveKeyMaterial,
  encodeHeader,
  formNonce,
  VP8_DELTA_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
} from '@skjerm/sframe';

/** Node's names for the AES-GCM suites (RFC 9605 §4.5: 0x0004, 0x0005) and their block cipher. */
const GCM_SUITES: Record<number, { gcm: string; ecb: string }> = {
  4: { gcm: 'aes-128-gcm', ecb: 'aes-128-ecb' },
  5: { gcm: 'aes-256-gcm', ecb: 'aes-256-ecb' },
};

const AES_BLOCK = 16;

export type FrameCodec = 'vp8' | 'opus';

/**
 * One sender's SFrame key (RFC 9605), used synchronously with node:crypto: the load generator
 * seals every frame it sends and opens every frame it receives, far more than Web Crypto's
 * ~40 µs of CPU and a threadpool round trip per call allow on a small machine. The key schedule
 * is @skjerm/sframe's own (deriveKeyMaterial), and `seal` writes exactly what the library's
 * protectFrame writes (clearPrefix || header || ct || tag, the VP8 prefix authenticated after
 * the header), which sframe-key.test.ts checks byte for byte. AES-GCM suites only.
 *
 * Receivers have two ways in: `open` authenticates and decrypts a whole frame; `peek` decrypts
 * only the first block of the encrypted part, where the load's probe sits, with one AES block
 * operation under a key set up once (GCM is AES in counter mode, the first plaintext block
 * under counter block nonce || 00000002: NIST SP 800-38D §7.1 for 96-bit IVs).
 */
export class SFrameKey {
  readonly kid: bigint;
  readonly #gcm: string;
  readonly #tagBytes: number;
  readonly #key: Uint8Array;
  readonly #salt: Uint8Array;
  readonly #block: Cipheriv;
  #counter = 0n;

  private constructor(
    kid: bigint,
    suite: { gcm: string; ecb: string },
    tagBytes: number,
    key: Uint8Array,
    salt: Uint8Array,
  ) {
    this.kid = kid;
    this.#gcm = suite.gcm;
    this.#tagBytes = tagBytes;
    this.#key = key;
    this.#salt = salt;
    this.#block = createCipheriv(suite.ecb, key, null).setAutoPadding(false);
  }

  static async create(cipherSuite: number, kid: bigint, baseKey: Uint8Array): Promise<SFrameKey> {
    const suite = GCM_SUITES[cipherSuite];
    if (!suite) throw new Error(`SFrameKey supports the AES-GCM suites only, not ${cipherSuite}`);
    const { key, salt } = await deriveKeyMaterial(cipherSuite, kid, baseKey);
    return new SFrameKey(kid, suite, cipherSuiteParams(cipherSuite).nt, key, salt);
  }

  /** Protects an encoded frame under the next counter, as protectFrame does. */
  seal(codec: FrameCodec, frame: Uint8Array): Uint8Array {
    const ctr = this.#counter++;
    const prefix = clearPrefixLength(codec, frame);
    const header = encodeHeader(this.kid, ctr);
    const cipher = createCipheriv(
      this.#gcm as 'aes-128-gcm',
      this.#key,
      formNonce(this.#salt, ctr),
      {
        authTagLength: this.#tagBytes,
      },
    );
    cipher.setAAD(authenticatedData(header, frame.subarray(0, prefix)));
    const body = cipher.update(frame.subarray(prefix));
    cipher.final();
    const out = new Uint8Array(prefix + header.length + body.length + this.#tagBytes);
    out.set(frame.subarray(0, prefix), 0);
    out.set(header, prefix);
    out.set(body, prefix + header.length);
    out.set(cipher.getAuthTag(), prefix + header.length + body.length);
    return out;
  }

  /**
   * Authenticates and decrypts a protected frame; returns the encrypted part's plaintext.
   * Throws when the KID is not this key's or the tag fails.
   */
  open(codec: FrameCodec, protectedFrame: Uint8Array): Uint8Array {
    const { prefix, header, body } = this.#split(codec, protectedFrame);
    const tagStart = body.length - this.#tagBytes;
    if (tagStart < 0) throw new Error('protected frame is shorter than its tag');
    const decipher = createDecipheriv(
      this.#gcm as 'aes-128-gcm',
      this.#key,
      formNonce(this.#salt, header.ctr),
      { authTagLength: this.#tagBytes },
    );
    const headerBytes = protectedFrame.subarray(prefix, prefix + header.length);
    decipher.setAAD(authenticatedData(headerBytes, protectedFrame.subarray(0, prefix)));
    decipher.setAuthTag(body.subarray(tagStart));
    const plaintext = decipher.update(body.subarray(0, tagStart));
    decipher.final();
    return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length);
  }

  /**
   * The first `length` (at most 16) plaintext bytes of the encrypted part, decrypted without
   * authentication. `start` need only hold the frame's beginning (its first RTP packet).
   */
  peek(codec: FrameCodec, start: Uint8Array, length: number): Uint8Array {
    const { header, body } = this.#split(codec, start);
    if (length > AES_BLOCK || body.length < length) throw new Error('too short to peek into');
    const counterBlock = new Uint8Array(AES_BLOCK);
    counterBlock.set(formNonce(this.#salt, header.ctr), 0);
    counterBlock[AES_BLOCK - 1] = 2;
    const keystream = this.#block.update(counterBlock);
    const plaintext = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      plaintext[i] = (body[i] as number) ^ (keystream[i] as number);
    }
    return plaintext;
  }

  #split(codec: FrameCodec, data: Uint8Array) {
    const prefix = codec === 'opus' ? 0 : clearPrefixOf(data);
    const header = decodeHeader(data.subarray(prefix));
    if (header.kid !== this.kid) throw new Error(`KID ${header.kid} is not ${this.kid}`);
    return { prefix, header, body: data.subarray(prefix + header.length) };
  }
}

/** RFC 9605 §4.4.3: AAD = header || metadata, the metadata being the clear VP8 prefix. */
function authenticatedData(header: Uint8Array, metadata: Uint8Array): Uint8Array {
  const aad = new Uint8Array(header.length + metadata.length);
  aad.set(header, 0);
  aad.set(metadata, header.length);
  return aad;
}

/** The VP8 payload header SFrame leaves clear: 10 bytes on key frames, 3 otherwise. */
function clearPrefixOf(frame: Uint8Array): number {
  return ((frame[0] ?? 0) & 0x01) === 0 ? VP8_KEY_FRAME_CLEAR_BYTES : VP8_DELTA_FRAME_CLEAR_BYTES;
}
