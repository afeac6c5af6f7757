import { E2eeError } from './errors.ts';
import type {
  E2eeStats,
  E2eeWorkerReply,
  GetStatsMessage,
  KeyUpdate,
  SamplePlaintextMessage,
} from './messages.ts';
import { MAX_PLAINTEXT_SAMPLE } from './plaintext-sampler.ts';

/** The transform worker as seen from the main thread (a Worker, or a fake in tests). */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** Replies that answer a request, matched to it by requestId. */
type RequestReply = Exclude<E2eeWorkerReply, { type: 'error' }>;

/**
 * Main-thread side of the worker protocol: forwards KeyManager updates and matches replies to
 * requests by id. Worker 'error' replies go to `onError` (they never hold keys).
 */
export class E2eeWorkerClient {
  onError: ((message: string) => void) | undefined;
  readonly #port: WorkerPort;
  readonly #pending = new Map<number, (reply: RequestReply) => void>();
  #nextRequestId = 1;
  readonly #listener = (event: MessageEvent) => this.#onReply(event.data as E2eeWorkerReply);

  constructor(port: WorkerPort) {
    this.#port = port;
    port.addEventListener('message', this.#listener);
  }

  /**
   * Posts updates in order. Key bytes are transferred, not copied, so no copy of the key stays
   * on the main thread; the updates' key arrays are detached afterwards.
   */
  apply(updates: readonly KeyUpdate[]): void {
    for (const update of updates) {
      const key = 'key' in update ? update.key : undefined;
      const whole =
        key !== undefined &&
        key.buffer instanceof ArrayBuffer &&
        key.byteOffset === 0 &&
        key.byteLength === key.buffer.byteLength;
      this.#port.postMessage(update, whole ? [key.buffer as ArrayBuffer] : []);
    }
  }

  async getStats(timeoutMs = 5000): Promise<E2eeStats> {
    const reply = await this.#request(
      'stats request',
      timeoutMs,
      (requestId) =>
        ({
          type: 'getStats',
          requestId,
        }) satisfies GetStatsMessage,
    );
    if (reply.type !== 'stats')
      throw new Error('the E2EE worker answered stats with another reply');
    return reply.stats;
  }

  /**
   * TEST ONLY: copies of the next `count` frames each current sender encrypts, taken before
   * encryption (plaintext-sampler.ts). Only bundles built with test hooks have it; elsewhere it
   * rejects with E2eeError('unsupported').
   */
  async samplePlaintext(count: number, timeoutMs = 10_000): Promise<Uint8Array[]> {
    if (typeof SKJERM_TEST_HOOKS !== 'undefined' && SKJERM_TEST_HOOKS === true) {
      if (!Number.isInteger(count) || count < 1 || count > MAX_PLAINTEXT_SAMPLE) {
        throw new E2eeError(
          'invalid-argument',
          `a plaintext sample is 1 to ${MAX_PLAINTEXT_SAMPLE} frames per sender`,
        );
      }
      const reply = await this.#request(
        'plaintext sample',
        timeoutMs,
        (requestId) =>
          ({
            type: 'sample-plaintext',
            requestId,
            count,
          }) satisfies SamplePlaintextMessage,
      );
      if (reply.type !== 'plaintext-sample') throw new Error('the E2EE worker answered wrongly');
      return [...reply.frames];
    }
    throw new E2eeError('unsupported', 'plaintext sampling exists only in test bundles');
  }

  dispose(): void {
    this.#port.removeEventListener('message', this.#listener);
    this.#pending.clear();
  }

  #request(
    what: string,
    timeoutMs: number,
    message: (requestId: number) => unknown,
  ): Promise<RequestReply> {
    const requestId = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error(`the E2EE worker did not answer ${what} ${requestId}`));
      }, timeoutMs);
      this.#pending.set(requestId, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#port.postMessage(message(requestId));
    });
  }

  #onReply(reply: E2eeWorkerReply): void {
    if (reply.type === 'error') {
      this.onError?.(reply.message);
      return;
    }
    const resolve = this.#pending.get(reply.requestId);
    this.#pending.delete(reply.requestId);
    resolve?.(reply);
  }
}
