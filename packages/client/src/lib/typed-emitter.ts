/** Event name → listener argument tuple, as in mediasoup's EnhancedEventEmitter. */
export type EventMap = Record<string, unknown[]>;

/** Every emitter reports a listener that threw, instead of unwinding through the emitter. */
export type ListenerErrorEvent = { listenererror: [event: string, error: unknown] };

// Listeners are stored untyped; on/off/safeEmit check them against the event map.
type Listener = (...args: unknown[]) => void;

/**
 * A small browser-safe event emitter checked against an event map. `safeEmit` calls every
 * listener even when one throws: the error becomes a 'listenererror' event (or, without a
 * listener for that, goes to `reportError`), so a faulty listener cannot leave the emitter
 * half way through a state change.
 */
export class TypedEmitter<Events extends EventMap & ListenerErrorEvent> {
  readonly #listeners = new Map<keyof Events, Listener[]>();

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#listeners.set(event, [
      ...(this.#listeners.get(event) ?? []),
      listener as unknown as Listener,
    ]);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    const wrapper = (...args: Events[E]) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    const remaining = (this.#listeners.get(event) ?? []).filter(
      (l) => l !== (listener as unknown as Listener),
    );
    if (remaining.length === 0) this.#listeners.delete(event);
    else this.#listeners.set(event, remaining);
    return this;
  }

  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }

  /** Calls the listeners of `event` in order; returns whether there were any. */
  protected safeEmit<E extends keyof Events & string>(event: E, ...args: Events[E]): boolean {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined) return false;
    for (const listener of [...listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.#reportListenerError(event, error);
      }
    }
    return true;
  }

  #reportListenerError(event: string, error: unknown): void {
    const handlers = this.#listeners.get('listenererror');
    if (event !== 'listenererror' && handlers !== undefined) {
      for (const handler of [...handlers]) {
        try {
          (handler as (event: string, error: unknown) => void)(event, error);
        } catch {
          // A throwing error listener has nobody left to tell.
        }
      }
      return;
    }
    globalThis.reportError?.(error);
  }
}
