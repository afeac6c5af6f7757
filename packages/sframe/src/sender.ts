import { SFrameError } from './errors.ts';
import { assertUint64, MAX_UINT64 } from './header.ts';
import { createKeyContext, type KeyContext, sealFrame } from './key-context.ts';

export interface SFrameSenderOptions {
  /**
   * First CTR to use (default 0). Only for resuming a key whose earlier counters are known to
   * be spent; starting below a used counter would reuse a nonce, which breaks AES-GCM and
   * AES-CTR confidentiality and GCM authenticity.
   */
  readonly initialCounter?: bigint | undefined;
}

export interface SFrameEncryptOptions {
  /**
   * Write the metadata in the clear ahead of the SFrame ciphertext, in the same buffer: output
   * is metadata || header || ct || tag. Used where the metadata travels in-band (VP8's payload
   * header, see frame-layout.ts) to avoid copying the frame once more.
   */
  readonly metadataFirst?: boolean | undefined;
}

/**
 * Encrypts frames under one (KID, base_key) with an increasing CTR (RFC 9605 §4.4.1). Per
 * RFC 9605 a base_key is used for encryption by one sender only, and each (KID, CTR) is used
 * exactly once, so the sender owns its counter and never hands one out twice.
 */
export class SFrameSender {
  readonly cipherSuite: number;
  readonly kid: bigint;
  readonly #context: KeyContext;
  #nextCounter: bigint;

  private constructor(context: KeyContext, initialCounter: bigint) {
    this.cipherSuite = context.suite.id;
    this.kid = context.kid;
    this.#context = context;
    this.#nextCounter = initialCounter;
  }

  /** Derives and imports the keys once; the returned sender encrypts without re-deriving. */
  static async create(
    cipherSuite: number,
    kid: bigint,
    baseKey: Uint8Array,
    options: SFrameSenderOptions = {},
  ): Promise<SFrameSender> {
    const initialCounter = options.initialCounter ?? 0n;
    assertUint64(initialCounter, 'initial CTR');
    return new SFrameSender(await createKeyContext(cipherSuite, kid, baseKey), initialCounter);
  }

  /** The CTR the next `encrypt` call will use; 2^64 once all counters are spent. */
  get nextCounter(): bigint {
    return this.#nextCounter;
  }

  /** Bytes an encrypted frame grows by, excluding the header (the AEAD tag, Nt). */
  get tagLength(): number {
    return this.#context.suite.nt;
  }

  /**
   * Returns header || ct || tag (or metadata || header || ct || tag, see options). The
   * counter is taken synchronously, so concurrent calls never share one, and a failed
   * encryption burns its counter rather than risk reusing it.
   */
  encrypt(
    plaintext: Uint8Array,
    metadata?: Uint8Array | undefined,
    options?: SFrameEncryptOptions,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const ctr = this.#nextCounter;
    if (ctr > MAX_UINT64) {
      return Promise.reject(
        new SFrameError(
          'counter-exhausted',
          `SFrame counter for KID ${this.kid} is exhausted (2^64 frames); a new key is needed`,
        ),
      );
    }
    this.#nextCounter = ctr + 1n;
    return sealFrame(this.#context, ctr, plaintext, metadata, options?.metadataFirst ?? false);
  }
}
