import type { BusMessage, SignalingBus } from './signaling-bus.ts';

/** A relayed connection's frames wait this long for Redis to come back, then the link breaks. */
const MAX_WAIT_MS = 10_000;
const RETRY_MS = 250;
/** More than this waiting is not a short outage: the link breaks. */
const MAX_QUEUED = 1000;
/**
 * Nobody listening is believed after this long: a node whose Redis connection just came back
 * may not have subscribed again yet.
 */
const NO_RECEIVER_GRACE_MS = 2000;

/**
 * One direction of a relayed connection: its messages reach the other node in order, or the
 * link is declared broken. While Redis is away they wait (a short outage loses nothing);
 * when the other node is not listening (it died or restarted), or Redis stays away past
 * MAX_WAIT_MS, `onBroken` runs once and nothing more is sent.
 */
export class LinkSender {
  readonly #bus: SignalingBus;
  readonly #to: string;
  readonly #onBroken: () => void;
  readonly #queue: { message: BusMessage; at: number }[] = [];
  #flushing = false;
  #broken = false;

  constructor(bus: SignalingBus, to: string, onBroken: () => void) {
    this.#bus = bus;
    this.#to = to;
    this.#onBroken = onBroken;
  }

  send(message: BusMessage): void {
    if (this.#broken) return;
    if (this.#queue.length >= MAX_QUEUED) {
      this.#break();
      return;
    }
    this.#queue.push({ message, at: Date.now() });
    if (!this.#flushing) void this.#flush();
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0 && !this.#broken) {
        const [next] = this.#queue;
        if (!next) break;
        const outcome = await this.#bus.send(this.#to, next.message);
        if (outcome === 'sent') {
          this.#queue.shift();
        } else if (
          Date.now() - next.at >
          (outcome === 'no-receiver' ? NO_RECEIVER_GRACE_MS : MAX_WAIT_MS)
        ) {
          this.#break();
        } else {
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #break(): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#queue.length = 0;
    this.#onBroken();
  }
}
