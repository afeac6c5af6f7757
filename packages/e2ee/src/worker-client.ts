import type { E2eeStats, E2eeWorkerReply, GetStatsMessage, KeyUpdate } from './messages.ts';

/** The transform worker as seen from the main thread (a Worker, or a fake in tests). */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/**
 * Main-thread side of the worker protocol: forwards KeyManager updates and matches stats
 * replies to requests by id. Worker 'error' replies go to `onError` (they never hold keys).
 */
export class E2eeWorkerClient {
  onError: ((message: string) => void) | undefined;
  readonly #port: WorkerPort;
  readonly #pending = new Map<number, (stats: E2eeStats) => void>();
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

  getStats(timeoutMs = 5000): Promise<E2eeStats> {
    const requestId = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error(`the E2EE worker did not answer stats request ${requestId}`));
      }, timeoutMs);
      this.#pending.set(requestId, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.#port.postMessage({ type: 'getStats', requestId } satisfies GetStatsMessage);
    });
  }

  dispose(): void {
    this.#port.removeEventListener('message', this.#listener);
    this.#pending.clear();
  }

  #onReply(reply: E2eeWorkerReply): void {
    if (reply.type === 'stats') {
      const resolve = this.#pending.get(reply.requestId);
      this.#pending.delete(reply.requestId);
      resolve?.(reply.stats);
    } else if (reply.type === 'error') {
      this.onError?.(reply.message);
    }
  }
}
