/** What the scale-out ramps add up to: each ramp's capacity, their ratio, and what gave out. */

/** One measured step of a ramp, as far as these summaries need it. */
export interface RampStep {
  consultations: number;
  consumers: number;
  holds: boolean;
}

export interface RampOutcome {
  mediaNodes: number;
  points: readonly RampStep[];
  /** The ramp ended on a step that failed (not on the last step or the time budget). */
  failed: boolean;
}

export interface RampCapacity {
  consultations: number;
  consumers: number;
}

/** The largest step that held; undefined when none did. */
export function rampCapacity(points: readonly RampStep[]): RampCapacity | undefined {
  let best: RampCapacity | undefined;
  for (const { holds, consultations, consumers } of points) {
    if (holds && (!best || consumers > best.consumers)) best = { consultations, consumers };
  }
  return best;
}

/**
 * How to read a ratio of two capacities: `exact` (to a step) when both ramps ended on a
 * failing step; `at least` when only the numerator's ramp ran out of steps or time (it might
 * have held more), `at most` when only the denominator's did; `unknown` when neither ramp
 * failed or one held no step at all.
 */
export type RatioBound = 'exact' | 'at least' | 'at most' | 'unknown';

export interface CapacityRatio {
  /**
   * Consultations `more` held ÷ consultations `fewer` held (the ramps' unit; consumers follow
   * from the shape, less any consumer a setup missed); NaN when one held nothing.
   */
  value: number;
  bound: RatioBound;
  /** More media nodes (numerator) and fewer (denominator). */
  mediaNodes: [number, number];
}

/** Capacity with `more` media nodes ÷ capacity with `fewer`, and how far to trust it. */
export function capacityRatio(more: RampOutcome, fewer: RampOutcome): CapacityRatio {
  const top = rampCapacity(more.points);
  const bottom = rampCapacity(fewer.points);
  const mediaNodes: [number, number] = [more.mediaNodes, fewer.mediaNodes];
  if (!top || !bottom) return { value: Number.NaN, bound: 'unknown', mediaNodes };
  const value = top.consultations / bottom.consultations;
  const bound: RatioBound =
    more.failed && fewer.failed
      ? 'exact'
      : fewer.failed
        ? 'at least'
        : more.failed
          ? 'at most'
          : 'unknown';
  return { value, bound, mediaNodes };
}

/** CPU (% of one core) of everything in one window, as the limit verdict weighs it. */
export interface WindowCpu {
  loadGeneratorCpu: number;
  /** The load generator's longest event-loop stall in the window (ms). */
  loadGeneratorLagMaxMs: number;
  /** Each media node's worker. */
  workerCpus: readonly number[];
  /** The signaling node and the media nodes' Node processes together. */
  controlCpu: number;
  otherCpu: number;
}

/** A process at or above this (% of one core) counts as saturated: it cannot keep up. */
export const SATURATED_CPU = 90;

/**
 * A load generator stall this long (ms) is its limit even below SATURATED_CPU: it delays every
 * frame in flight, about 1% of a window's frames, which is a p99 of that much by itself
 * (the same test as the capacity search's failure reason, at the 30 ms criterion).
 */
export const STALLED_MS = 30;

/** The machine counts as saturated at this share of all its cores busy. */
export const SATURATED_MACHINE = 0.85;

export type Limit = 'load generator' | 'media worker' | 'machine' | 'none saturated';

/**
 * What gave out in a window (normally the step that ended a ramp): the load generator when its
 * CPU reached SATURATED_CPU or its event loop stalled STALLED_MS, checked first (its one thread
 * delays every frame it handles, so its saturation shows as latency before a worker's does);
 * a media worker when its CPU reached SATURATED_CPU;
 * otherwise the whole machine when SATURATED_MACHINE of its cores were busy; otherwise none.
 */
export function limitOf(cpu: WindowCpu, cores: number): Limit {
  if (cpu.loadGeneratorCpu >= SATURATED_CPU || cpu.loadGeneratorLagMaxMs >= STALLED_MS) {
    return 'load generator';
  }
  if (cpu.workerCpus.some((worker) => worker >= SATURATED_CPU)) return 'media worker';
  const busy =
    cpu.loadGeneratorCpu +
    cpu.workerCpus.reduce((total, worker) => total + worker, 0) +
    cpu.controlCpu +
    cpu.otherCpu;
  if (busy >= SATURATED_MACHINE * cores * 100) return 'machine';
  return 'none saturated';
}
