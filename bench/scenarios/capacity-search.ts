import type { ControlPlane, MediaKind, PlaneName } from '../load/control-plane.ts';
import { cpuSplitMs, rssBytes } from '../measure/process-usage.ts';
import { type QuietGate, sleep, type WindowMeasurement } from '../measure/window.ts';
import { linearFit } from '../report/statistics.ts';
import { LoadRun } from './load-run.ts';
import { LARGE_ROOM_SIZE, largeRoom } from './room-shapes.ts';

/** A step holds when at most 1% of frames are lost and p99 added latency is at most 30 ms. */
export const MAX_LOSS = 0.01;
export const MAX_P99_MS = 30;

export interface CapacityPoint extends WindowMeasurement {
  participants: number;
  rooms: number;
  holds: boolean;
  /** The step failed once and was measured again (a shared machine has noisy moments). */
  remeasured: boolean;
  /** Other jobs used a quarter of a core or more during the window: a failure proves little. */
  disturbed: boolean;
  controlRssBytes: number;
  workerRssBytes: number;
}

export interface CapacityResult {
  plane: PlaneName;
  media: 'audio' | 'audio+video';
  points: CapacityPoint[];
  /** The largest consumer count that held; undefined if the first step failed. */
  limitConsumers: number | undefined;
  stoppedBy: string;
  joinMs: number[];
  joinsWithoutMedia: number;
  /** Resident memory growth per consumer (least squares over the steps). */
  bytesPerConsumer: { worker: number; control: number };
  /**
   * Where the worker alone would run out: its CPU (% of one core) per consumer over the steps
   * without loss, extrapolated to 100%. An extrapolation, not a measurement: the ramp stops
   * where the first thing gives out, which on a small machine is often the load generator.
   */
  workerProjection: { cpuPerConsumer: number; consumersAtFullCore: number };
  /** The worker's CPU time at the end, from getResourceUsage() and from /proc (ms): they agree. */
  resourceUsageCheck: { getResourceUsageMs: number; procMs: number };
  failures: string[];
}

export interface CapacityOptions {
  kinds: readonly MediaKind[];
  /** Participant totals to ramp through; rooms fill up to LARGE_ROOM_SIZE, then a new one opens. */
  steps: readonly number[];
  windowSeconds: number;
  /** Waits for other jobs on a shared machine to calm down before each window. */
  quiet: QuietGate;
  /** Milliseconds left in the run's time budget. */
  remainingMs: () => number;
  onPoint: (point: CapacityPoint) => void;
}

/** Other jobs' CPU (% of one core) from which a window counts as disturbed. */
const DISTURBED_OTHER_CPU = 25;

/** Setup, settling and measuring one step, beyond the window itself (ms). */
const STEP_OVERHEAD_MS = 5_000;

/**
 * Ramps consumers on one worker until a step fails: members join one large room (a full mesh,
 * everyone consuming everyone), a second room once the first is full, and each step is measured
 * under the criteria above. A failing step is measured once more; one that failed while other
 * jobs loaded the machine does not end the ramp unless the step before it failed too.
 */
export async function searchCapacity(
  plane: ControlPlane,
  options: CapacityOptions,
): Promise<CapacityResult> {
  const run = new LoadRun(plane);
  const points: CapacityPoint[] = [];
  let stoppedBy = 'ramp finished: every step held';
  try {
    for (const target of options.steps) {
      if (
        options.remainingMs() <
        options.windowSeconds * 2000 + STEP_OVERHEAD_MS + options.quiet.perWindowMs
      ) {
        stoppedBy = 'time budget';
        break;
      }
      await grow(run, target, options.kinds);
      await run.waitFlowing(6_000);
      await sleep(1_000);
      let measured = await run.measure(options.windowSeconds, options.quiet);
      let remeasured = false;
      if (!holds(measured) && options.remainingMs() > options.windowSeconds * 1000 + 2000) {
        measured = await run.measure(options.windowSeconds, options.quiet);
        remeasured = true;
      }
      const point: CapacityPoint = {
        ...measured,
        participants: run.participants.length,
        rooms: run.rooms.length,
        holds: holds(measured),
        remeasured,
        disturbed: isDisturbed(measured),
        controlRssBytes: rssBytes(plane.controlPid),
        workerRssBytes: rssBytes(plane.workerPid),
      };
      points.push(point);
      options.onPoint(point);
      if (endsRamp(point, points.at(-2))) {
        stoppedBy = failureReason(point);
        break;
      }
    }
    const last = points.at(-1);
    if (last && !last.holds) stoppedBy = failureReason(last);
    const joins = run.joinTimes();
    const held = points.filter((p) => p.holds);
    const fit = (pick: (p: CapacityPoint) => number) =>
      linearFit(points.map((p) => ({ x: p.consumers, y: pick(p) })))?.slope ?? Number.NaN;
    // Steps where the worker forwarded everything count, even if latency failed (the rig).
    const forwarded = points.filter((p) => p.loss <= MAX_LOSS);
    const cpuLine = linearFit(forwarded.map((p) => ({ x: p.consumers, y: p.workerCpu })));
    const [getResourceUsageMs, proc] = await Promise.all([
      plane.workerResourceUsageMs().catch(() => Number.NaN),
      cpuSplitMs(plane.workerPid),
    ]);
    return {
      plane: plane.name,
      media: options.kinds.includes('video') ? 'audio+video' : 'audio',
      points,
      limitConsumers: held.length ? Math.max(...held.map((p) => p.consumers)) : undefined,
      stoppedBy,
      joinMs: joins.samples,
      joinsWithoutMedia: joins.withoutMedia,
      bytesPerConsumer: {
        worker: fit((p) => p.workerRssBytes),
        control: fit((p) => p.controlRssBytes),
      },
      workerProjection: {
        cpuPerConsumer: cpuLine?.slope ?? Number.NaN,
        consumersAtFullCore: cpuLine ? (100 - cpuLine.intercept) / cpuLine.slope : Number.NaN,
      },
      resourceUsageCheck: { getResourceUsageMs, procMs: proc.userMs + proc.systemMs },
      failures: run.failures,
    };
  } finally {
    await run.close();
    await sleep(500);
  }
}

export function holds(m: WindowMeasurement): boolean {
  return m.loss <= MAX_LOSS && m.latencyMs.p99 <= MAX_P99_MS;
}

/** Other jobs used a quarter of a core or more during the window: a failure proves little. */
export function isDisturbed(m: WindowMeasurement): boolean {
  return m.otherCpu >= DISTURBED_OTHER_CPU;
}

/**
 * Whether a measured step ends the ramp: it failed, and not merely while other jobs loaded the
 * machine (such a failure may be theirs: the next step gets one try, unless this one's
 * predecessor failed too).
 */
export function endsRamp(
  point: { holds: boolean; disturbed: boolean },
  previous: { holds: boolean } | undefined,
): boolean {
  return !point.holds && (!point.disturbed || (previous !== undefined && !previous.holds));
}

/** Why a step failed, and whether the load generator, not the worker, may be to blame. */
export function failureReason(p: WindowMeasurement): string {
  const reasons: string[] = [];
  if (!(p.loss <= MAX_LOSS)) reasons.push(`loss ${(p.loss * 100).toFixed(2)}% > 1%`);
  if (!(p.latencyMs.p99 <= MAX_P99_MS)) {
    reasons.push(`p99 ${p.latencyMs.p99.toFixed(1)} ms > ${MAX_P99_MS} ms`);
  }
  const rig: string[] = [];
  if (p.loadGeneratorCpu >= 90) rig.push(`its CPU at ${p.loadGeneratorCpu.toFixed(0)}%`);
  if (p.loadGeneratorLagMaxMs >= MAX_P99_MS) {
    // One stall this long delays every frame in flight: about 1% of a window's frames.
    rig.push(
      `its event loop stalled up to ${p.loadGeneratorLagMaxMs.toFixed(0)} ms, GC pauses up to ${p.loadGeneratorGcMaxMs.toFixed(0)} ms`,
    );
  }
  if (p.loadGeneratorQueueMaxBytes > 4 * Math.max(p.sfuQueueMaxBytes, 16_384)) {
    rig.push(
      `packets queued up to ${Math.round(p.loadGeneratorQueueMaxBytes / 1024)} KiB in its sockets, ${Math.round(p.sfuQueueMaxBytes / 1024)} KiB in the worker's`,
    );
  }
  if (p.loadGeneratorDrops > 0)
    rig.push(`${p.loadGeneratorDrops} datagrams dropped on its sockets`);
  const suspect = rig.length ? `; the load generator may be the limit (${rig.join('; ')})` : '';
  const shared =
    p.otherCpu >= DISTURBED_OTHER_CPU
      ? `; other jobs used ${p.otherCpu.toFixed(0)}% of a core meanwhile`
      : '';
  return `${reasons.join(', ')} at ${p.consumers} consumers${suspect}${shared}`;
}

/**
 * Seats members until the run has `target` (failed joins count: they are reported, not
 * retried), filling the last room before opening another.
 */
async function grow(run: LoadRun, target: number, kinds: readonly MediaKind[]): Promise<void> {
  while (run.participants.length < target) {
    let room = run.rooms.at(-1);
    if (!room || room.seatsTaken >= LARGE_ROOM_SIZE) {
      room = await run.openRoom(largeRoom, kinds);
      await run.join(room);
      continue;
    }
    const free = LARGE_ROOM_SIZE - room.seatsTaken;
    await run.joinMany(room, Math.min(free, target - run.participants.length));
  }
}
