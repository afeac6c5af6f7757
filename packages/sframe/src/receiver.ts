import { type CipherSuiteParams, cipherSuiteParams } from './cipher-suites.ts';
import { SFrameError } from './errors.ts';
import { assertUint64, decodeHeader } from './header.ts';
import {
  assertCiphertextLength,
  createKeyContext,
  type KeyContext,
  openFrame,
} from './key-context.ts';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay-window.ts';

export interface SFrameDecryptResult {
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly plaintext: Uint8Array<ArrayBuffer>;
}

export interface SFrameReceiverOptions {
  /** Replay window per KID, in counters (default 128). */
  readonly replayWindow?: number | undefined;
}

interface KeyEntry {
  readonly context: Promise<KeyContext>;
  /** The context once imported, so decryption need not wait on a settled promise. */
  ready: KeyContext | undefined;
  readonly window: ReplayWindow;
}

/**
 * Decryption keyring for one cipher suite (an SFrame session uses one suite, RFC 9605 §4.5):
 * KID -> base_key, each with its own replay window. Plaintext is returned only after the AEAD
 * tag verified and the CTR passed the replay check.
 */
export class SFrameReceiver {
  readonly cipherSuite: number;
  readonly #suite: CipherSuiteParams;
  readonly #replayWindow: number;
  readonly #keys = new Map<bigint, KeyEntry>();

  constructor(cipherSuite: number, options: SFrameReceiverOptions = {}) {
    this.#suite = cipherSuiteParams(cipherSuite);
    this.cipherSuite = this.#suite.id;
    this.#replayWindow = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    new ReplayWindow(this.#replayWindow); // validates the size now rather than at first addKey
  }

  /**
   * Adds a decryption key. The KID is usable (hasKey is true, decrypt waits for the import) as
   * soon as this is called. Adding a KID that is present is refused: silently replacing a key
   * would also reset its replay window. Call removeKey first when that is really intended.
   */
  async addKey(kid: bigint, baseKey: Uint8Array): Promise<void> {
    assertUint64(kid, 'KID');
    if (this.#keys.has(kid)) {
      throw new SFrameError('invalid-argument', `KID ${kid} already has a key; remove it first`);
    }
    const entry: KeyEntry = {
      context: createKeyContext(this.#suite.id, kid, baseKey),
      ready: undefined,
      window: new ReplayWindow(this.#replayWindow),
    };
    this.#keys.set(kid, entry);
    try {
      entry.ready = await entry.context;
    } catch (error) {
      if (this.#keys.get(kid) === entry) this.#keys.delete(kid);
      throw error;
    }
  }

  /** Forgets a key and its replay window; returns whether the KID was present. */
  removeKey(kid: bigint): boolean {
    return this.#keys.delete(kid);
  }

  hasKey(kid: bigint): boolean {
    return this.#keys.has(kid);
  }

  get kids(): bigint[] {
    return [...this.#keys.keys()];
  }

  /**
   * Decrypts header || ct || tag. Throws SFrameError: truncated, malformed-header, unknown-kid,
   * replay, or authentication-failed. `metadata` must equal what the sender authenticated.
   */
  async decrypt(
    ciphertext: Uint8Array,
    metadata?: Uint8Array | undefined,
  ): Promise<SFrameDecryptResult> {
    const header = decodeHeader(ciphertext);
    const entry = this.#keys.get(header.kid);
    if (entry === undefined) {
      throw new SFrameError('unknown-kid', `no SFrame key for KID ${header.kid}`);
    }
    assertCiphertextLength(this.#suite, header, ciphertext.length);
    // Cheap early refusal; the authoritative check is `accept` after authentication.
    if (!entry.window.isFresh(header.ctr)) throw replayError(header.kid, header.ctr);
    const context = entry.ready ?? (await importedContext(entry, header.kid));
    const plaintext = await openFrame(context, header, ciphertext, metadata);
    if (!entry.window.accept(header.ctr)) {
      plaintext.fill(0);
      throw replayError(header.kid, header.ctr);
    }
    return { kid: header.kid, ctr: header.ctr, plaintext };
  }
}

/** For a frame that arrives while its key is still being imported. */
async function importedContext(entry: KeyEntry, kid: bigint): Promise<KeyContext> {
  try {
    return await entry.context;
  } catch (cause) {
    throw new SFrameError('unknown-kid', `SFrame key for KID ${kid} could not be imported`, {
      cause,
    });
  }
}

function replayError(kid: bigint, ctr: bigint): SFrameError {
  return new SFrameError(
    'replay',
    `SFrame CTR ${ctr} for KID ${kid} was already received or is older than the replay window`,
  );
}
