import { SFrameError } from './errors.ts';

/**
 * Counters remembered per KID. Video frames are reordered by at most a few frames in practice
 * (retransmissions, FEC); 128 frames is over 4 s of 30 fps video, ample for reordering while
 * bounding what a replayed old frame can reach. Same default as SRTP's replay list (RFC 3711
 * §3.3.2 recommends at least 64).
 */
export const DEFAULT_REPLAY_WINDOW = 128;

/**
 * Sliding-window replay detection over CTR values (RFC 9605 §9.3 leaves the policy to the
 * application). A CTR is accepted once; CTRs more than `size - 1` below the highest accepted
 * CTR are refused as too old. Out-of-order arrival inside the window is fine.
 *
 * The caller checks with `isFresh` before the (expensive) decryption and records with `accept`
 * only after the frame authenticated, so a forged frame can never move the window. `accept`
 * re-checks, because two copies of one frame may be decrypting concurrently.
 */
export class ReplayWindow {
  readonly size: number;
  readonly #width: bigint;
  readonly #mask: bigint;
  #highest: bigint | undefined;
  /** Bit i set: CTR `highest - i` has been accepted. */
  #seen = 0n;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < 1 || size > 65_536) {
      throw new SFrameError(
        'invalid-argument',
        'replay window size must be an integer in 1 .. 65536',
      );
    }
    this.size = size;
    this.#width = BigInt(size);
    this.#mask = (1n << this.#width) - 1n;
  }

  /** Highest CTR accepted so far, if any. */
  get highest(): bigint | undefined {
    return this.#highest;
  }

  isFresh(ctr: bigint): boolean {
    const highest = this.#highest;
    if (highest === undefined || ctr > highest) return true;
    const age = highest - ctr;
    if (age >= this.#width) return false;
    return ((this.#seen >> age) & 1n) === 0n;
  }

  /** Records `ctr` as received; returns false, changing nothing, if it is not fresh. */
  accept(ctr: bigint): boolean {
    if (!this.isFresh(ctr)) return false;
    const highest = this.#highest;
    if (highest === undefined) {
      this.#seen = 1n;
      this.#highest = ctr;
    } else if (ctr > highest) {
      const shift = ctr - highest;
      this.#seen = shift >= this.#width ? 1n : ((this.#seen << shift) | 1n) & this.#mask;
      this.#highest = ctr;
    } else {
      this.#seen |= 1n << (highest - ctr);
    }
    return true;
  }
}
