import { EventEmitter } from 'node:events';

/** Event name → listener argument tuple, as in mediasoup's EnhancedEventEmitter. */
export type EventMap = Record<string, unknown[]>;

/**
 * An EventEmitter whose events are checked against a map, with safeEmit: a listener that
 * throws becomes a 'listenererror' event instead of unwinding through the emitter's caller
 * (which would leave the emitter half way through a state change).
 */
export class TypedEmitter<Events extends EventMap> {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#emitter.listenerCount(event);
  }

  safeEmit<E extends keyof Events & string>(event: E, ...args: Events[E]): boolean {
    try {
      return this.#emitter.emit(event, ...args);
    } catch (error) {
      if (event !== 'listenererror' && this.#emitter.listenerCount('listenererror') > 0) {
        this.#emitter.emit('listenererror', event, error);
      }
      return true;
    }
  }
}
