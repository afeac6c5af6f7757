/**
 * Token bucket per connection: `perSecond` messages on average, bursts of `burst`. A client
 * that keeps sending into an empty bucket is flooding, not bursting: more than `burst`
 * refusals within REFUSAL_WINDOW_MS and it should be disconnected.
 */
const REFUSAL_WINDOW_MS = 10_000;

export class RateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #refusals: number[] = [];

  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** 'ok' to serve, 'refuse' to answer rate-limited, 'disconnect' when flooding persists. */
  take(): 'ok' | 'refuse' | 'disconnect' {
    const now = this.#now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#last) / 1000) * this.#perSecond,
    );
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 'ok';
    }
    this.#refusals = this.#refusals.filter((at) => now - at < REFUSAL_WINDOW_MS);
    this.#refusals.push(now);
    return this.#refusals.length > this.#burst ? 'disconnect' : 'refuse';
  }
}
