import { type E2eeCodec, parseE2eeCodec } from '@skjerm/sframe';
import { FrameCryptor } from './frame-cryptor.ts';
import { FrameStats } from './frame-stats.ts';
import { MediaKeys, type MediaKeysOptions } from './media-keys.ts';
import type {
  E2eeStats,
  E2eeTransformOptions,
  E2eeWorkerReply,
  E2eeWorkerRequest,
} from './messages.ts';
import { isSamplePlaintextMessage, PlaintextSampler } from './plaintext-sampler.ts';
import { SerialQueue } from './serial-queue.ts';

/** What RTCTransformEvent.transformer (an RTCRtpScriptTransformer) offers the worker. */
export interface ScriptTransformerLike {
  readonly readable: ReadableStream;
  readonly writable: WritableStream;
  readonly options?: unknown;
}

export interface E2eeWorkerOptions extends MediaKeysOptions {
  /** Sends a reply to the main thread (the worker entry passes `self.postMessage`). */
  readonly postMessage: (reply: E2eeWorkerReply) => void;
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'setSenderKey',
  'setReceiverKey',
  'removeKey',
  'removeSender',
  'getStats',
  'stream',
] satisfies E2eeWorkerRequest['type'][]);

function isRequest(value: unknown): value is E2eeWorkerRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    MESSAGE_TYPES.has((value as { type?: unknown }).type as string)
  );
}

function transformOptions(value: unknown): E2eeTransformOptions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { direction, codec, participantId } = value as Record<string, unknown>;
  if (direction !== 'send' && direction !== 'receive') return undefined;
  if (typeof participantId !== 'string' || participantId === '') return undefined;
  let parsed: E2eeCodec;
  try {
    parsed = parseE2eeCodec(String(codec));
  } catch {
    return undefined;
  }
  return { direction, codec: parsed, participantId };
}

/**
 * Everything the transform worker does, as a class the worker entry (transform-worker.ts)
 * instantiates once, so it runs in Node tests without a worker. Key messages are applied one
 * at a time in arrival order; a stats request is answered after every message before it.
 */
export class E2eeWorker {
  readonly keys: MediaKeys;
  readonly stats = new FrameStats();
  readonly #post: (reply: E2eeWorkerReply) => void;
  readonly #queue = new SerialQueue();
  /** Test bundles only (test-hooks.d.ts): copies of plaintext frames for browser tests. */
  readonly #sampler: PlaintextSampler | undefined;

  constructor(options: E2eeWorkerOptions) {
    this.keys = new MediaKeys(options);
    this.#post = options.postMessage;
    if (typeof SKJERM_TEST_HOOKS !== 'undefined' && SKJERM_TEST_HOOKS === true) {
      this.#sampler = new PlaintextSampler();
    }
  }

  /** Handles one message from the main thread; never throws (errors are posted back). */
  handleMessage(message: unknown): Promise<void> {
    if (
      typeof SKJERM_TEST_HOOKS !== 'undefined' &&
      SKJERM_TEST_HOOKS === true &&
      isSamplePlaintextMessage(message)
    ) {
      return this.#sampler?.answer(message, this.#post) ?? Promise.resolve();
    }
    if (!isRequest(message)) {
      this.#error('ignored a message that is not an E2EE worker request');
      return Promise.resolve();
    }
    if (message.type === 'stream') {
      this.attachTransformer(message);
      return Promise.resolve();
    }
    return this.#queue
      .run(async () => {
        if (message.type === 'getStats') {
          this.#post({ type: 'stats', requestId: message.requestId, stats: this.getStats() });
        } else {
          await this.keys.apply(message);
        }
      })
      .catch((error: unknown) => {
        // The error names the message type and KID at most: never the key.
        this.#error(`${message.type} failed: ${error instanceof Error ? error.message : 'error'}`);
      });
  }

  /**
   * Starts encrypting or decrypting one RTP sender's or receiver's frames. Options that do not
   * parse leave the streams unconsumed: no frame flows, so none flows unencrypted.
   */
  attachTransformer(
    transformer: ScriptTransformerLike | (E2eeTransformOptions & ScriptTransformerLike),
  ): void {
    const options = transformOptions('options' in transformer ? transformer.options : transformer);
    if (options === undefined) {
      this.#error('transform options must be { direction, codec: vp8|opus, participantId }');
      return;
    }
    const tap =
      typeof SKJERM_TEST_HOOKS !== 'undefined' &&
      SKJERM_TEST_HOOKS === true &&
      options.direction === 'send'
        ? this.#sampler?.attach()
        : undefined;
    const cryptor = new FrameCryptor({
      ...options,
      keys: this.keys,
      stats: this.stats,
      onPlaintext: tap?.observe,
    });
    cryptor
      .run(transformer.readable, transformer.writable)
      .catch((error: unknown) => {
        this.#error(
          `${options.direction} transform ended: ${error instanceof Error ? error.message : 'error'}`,
        );
      })
      .finally(() => tap?.detach());
  }

  getStats(): E2eeStats {
    return {
      ...this.stats.snapshot(),
      sendKid: this.keys.sendKid ?? null,
      receiveKids: this.keys.receive.kids,
    };
  }

  #error(message: string): void {
    this.#post({ type: 'error', message } satisfies E2eeWorkerReply);
  }
}
