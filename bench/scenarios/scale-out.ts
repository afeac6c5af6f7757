import type { RoomSpec } from '../load/control-plane.ts';
import { SkjermCluster } from '../load/skjerm-cluster.ts';
import { SkjermPlane } from '../load/skjerm-driver.ts';
import {
  type MeteredNode,
  measureWindow,
  type QuietGate,
  sleep,
  type WindowMeasurement,
} from '../measure/window.ts';
import {
  type CapacityRatio,
  capacityRatio,
  type Limit,
  limitOf,
  type RampCapacity,
  rampCapacity,
} from '../report/scale-out-summary.ts';
import { endsRamp, failureReason, holds, isDisturbed } from './capacity-search.ts';
import { LoadRun } from './load-run.ts';

export interface ScaleOutPoint extends WindowMeasurement {
  consultations: number;
  participants: number;
  holds: boolean;
  /** The step failed once and was measured again. */
  remeasured: boolean;
  /** Other jobs used a quarter of a core or more during the window. */
  disturbed: boolean;
  /** Participants on each media node after the window, from the Redis registry. */
  placement: Record<string, number>;
}

export interface ScaleOutRamp {
  mediaNodes: number;
  points: ScaleOutPoint[];
  capacity: RampCapacity | undefined;
  /** The ramp ended on a failing step (not on its last step or the time budget). */
  failed: boolean;
  stoppedBy: string;
  /** What gave out at the step that ended the ramp (at the last step if none failed). */
  limit: Limit;
  failures: string[];
}

export interface ScaleOutResult {
  room: string;
  media: 'audio+video';
  cores: number;
  ramps: ScaleOutRamp[];
  /** Consultations held with the most media nodes ÷ with the fewest. */
  ratio: CapacityRatio;
}

export interface ScaleOutOptions {
  /** Media node counts to compare, each a cluster of its own (fewest first). */
  mediaNodes: readonly number[];
  room: RoomSpec;
  roomTitle: string;
  /** Consultation totals to ramp through. */
  steps: readonly number[];
  windowSeconds: number;
  quiet: QuietGate;
  cores: number;
  remainingMs: () => number;
  onPoint: (mediaNodes: number, point: ScaleOutPoint) => void;
}

/** One cluster's ramp in progress. */
interface Ramp {
  mediaNodes: number;
  plane: SkjermPlane<SkjermCluster>;
  run: LoadRun;
  points: ScaleOutPoint[];
  stoppedBy: string | undefined;
  failed: boolean;
  retired: boolean;
}

/** Setup, settling and measuring one step per cluster, beyond the window itself (ms). */
const STEP_OVERHEAD_MS = 6_000;

/** After a load resumes or grows: let bursts and key frame requests settle (ms). */
const SETTLE_MS = 1_000;

/**
 * Total capacity of Skjerm scaled out on this machine, with fewer and with more media nodes
 * (each a cluster of its own: Redis, a signaling node, the media nodes, one worker each), in
 * the same run. Consultations of one shape are added through the signaling node, which places
 * them on its media nodes; each step is measured under the capacity search's criteria (loss ≤
 * 1%, p99 ≤ 30 ms) and its stopping rule. The clusters take turns at every step, in
 * alternating order, while the other's senders pause, so drift on a shared machine lands on
 * both; a cluster whose ramp ended is torn down.
 */
export async function measureScaleOut(options: ScaleOutOptions): Promise<ScaleOutResult> {
  const ramps: Ramp[] = [];
  try {
    for (const mediaNodes of options.mediaNodes) {
      const plane = await SkjermPlane.over((env) => SkjermCluster.start(mediaNodes, env));
      ramps.push({
        mediaNodes,
        plane,
        run: new LoadRun(plane),
        points: [],
        stoppedBy: undefined,
        failed: false,
        retired: false,
      });
    }
    for (const [index, target] of options.steps.entries()) {
      const active = ramps.filter((ramp) => ramp.stoppedBy === undefined);
      if (active.length === 0) break;
      const stepMs =
        active.length *
        (options.windowSeconds * 2000 + STEP_OVERHEAD_MS + options.quiet.perWindowMs);
      if (options.remainingMs() < stepMs) {
        for (const ramp of active) ramp.stoppedBy = 'time budget';
        break;
      }
      for (const ramp of index % 2 === 0 ? active : [...active].reverse()) {
        for (const other of active) if (other !== ramp) other.run.pause();
        ramp.run.resume();
        await stepOnce(ramp, target, options);
        if (ramp.stoppedBy !== undefined) await retire(ramp);
      }
    }
    for (const ramp of ramps) ramp.stoppedBy ??= 'ramp finished: every step held';
    const results = ramps.map((ramp) => summarize(ramp, options.cores));
    const fewest = results[0];
    const most = results.at(-1);
    return {
      room: options.roomTitle,
      media: 'audio+video',
      cores: options.cores,
      ramps: results,
      ratio:
        fewest && most && most !== fewest
          ? capacityRatio(most, fewest)
          : { value: Number.NaN, bound: 'unknown', mediaNodes: [0, 0] },
    };
  } finally {
    await Promise.all(ramps.map(retire));
  }
}

/** Grows the ramp's load to `target` consultations and measures it (twice if it fails). */
async function stepOnce(ramp: Ramp, target: number, options: ScaleOutOptions): Promise<void> {
  const { run, plane } = ramp;
  while (run.rooms.length < target) {
    const room = await run.openRoom(options.room, ['audio', 'video']);
    await run.join(room);
    await run.joinMany(room, options.room.members.length - 1);
  }
  await run.waitFlowing(8_000);
  await sleep(SETTLE_MS);
  const nodes: MeteredNode[] = plane.server.mediaNodes.map(({ nodeId, pid, workerPid }) => ({
    nodeId,
    pid,
    workerPid,
  }));
  const ours = [plane.controlPid, process.pid, ...nodes.flatMap((n) => [n.pid, n.workerPid])];
  const measure = async (): Promise<WindowMeasurement> => {
    const waitedForQuietMs = await options.quiet.wait(ours);
    return {
      ...(await measureWindow(plane, run.participants, run.recorder, options.windowSeconds, nodes)),
      waitedForQuietMs,
    };
  };
  let measured = await measure();
  let remeasured = false;
  if (!holds(measured) && options.remainingMs() > options.windowSeconds * 1000 + 2000) {
    measured = await measure();
    remeasured = true;
  }
  const loads = await plane.server.loads().catch(() => new Map());
  const point: ScaleOutPoint = {
    ...measured,
    consultations: run.rooms.length,
    participants: run.participants.length,
    holds: holds(measured),
    remeasured,
    disturbed: isDisturbed(measured),
    placement: Object.fromEntries(
      nodes.map(({ nodeId }) => [nodeId, loads.get(nodeId)?.participants ?? Number.NaN]),
    ),
  };
  ramp.points.push(point);
  options.onPoint(ramp.mediaNodes, point);
  if (endsRamp(point, ramp.points.at(-2))) {
    ramp.stoppedBy = failureReason(point);
    ramp.failed = true;
  }
}

/** Tears the ramp's load and cluster down (once). */
async function retire(ramp: Ramp): Promise<void> {
  if (ramp.retired) return;
  ramp.retired = true;
  await ramp.run.close().catch(() => undefined);
  await ramp.plane.close().catch(() => undefined);
}

function summarize(ramp: Ramp, cores: number): ScaleOutRamp {
  // The step that ended the ramp, or the last one measured.
  const deciding = ramp.points.at(-1);
  return {
    mediaNodes: ramp.mediaNodes,
    points: ramp.points,
    capacity: rampCapacity(ramp.points),
    failed: ramp.failed,
    stoppedBy: ramp.stoppedBy ?? 'not started',
    limit: deciding
      ? limitOf(
          {
            loadGeneratorCpu: deciding.loadGeneratorCpu,
            loadGeneratorLagMaxMs: deciding.loadGeneratorLagMaxMs,
            workerCpus: (deciding.nodes ?? []).map((node) => node.workerCpu),
            controlCpu: deciding.controlCpu,
            otherCpu: deciding.otherCpu,
          },
          cores,
        )
      : 'none saturated',
    failures: ramp.run.failures,
  };
}
