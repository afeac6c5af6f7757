import type { ControlPlane, PlaneName, RoomSpec } from '../load/control-plane.ts';
import { type QuietGate, sleep, type WindowMeasurement } from '../measure/window.ts';
import { LoadRun } from './load-run.ts';

export interface SteadyScenario {
  id: string;
  title: string;
  room: RoomSpec;
  rooms: number;
}

/** How one plane's copy of the load was set up. */
export interface SteadySetup {
  plane: PlaneName;
  participants: number;
  /** Whether every consumer delivered media before measuring (if not, silent ones count as loss). */
  flowing: boolean;
  setupSeconds: number;
  joinMs: number[];
  joinsWithoutMedia: number;
  failures: string[];
}

export interface SteadyResult {
  scenario: string;
  title: string;
  setups: SteadySetup[];
  /** Windows in the order measured, the planes taking turns. */
  windows: { plane: PlaneName; window: WindowMeasurement }[];
}

export interface SteadyOptions {
  windowSeconds: number;
  /** Windows per plane; the planes alternate (A B B A A B …). */
  windowsPerPlane: number;
  quiet: QuietGate;
  onWindow?: (plane: PlaneName, participants: number, window: WindowMeasurement) => void;
}

/** After the last join, and after a plane's senders resume: let bursts settle (ms). */
const SETTLE_MS = 700;

/**
 * One fixed load on every plane at once, measured in turns: the scenario's rooms are set up on
 * each plane (each room's host first, then the others together, all sending audio and video),
 * then the planes take turns being measured while the others' senders pause. Turns rather
 * than one plane after the other, so drift on a shared machine lands on both.
 */
export async function runSteadyLoad(
  planes: readonly ControlPlane[],
  scenario: SteadyScenario,
  options: SteadyOptions,
): Promise<SteadyResult> {
  const runs = planes.map((plane) => new LoadRun(plane));
  const setups: SteadySetup[] = [];
  const windows: SteadyResult['windows'] = [];
  try {
    for (const run of runs) {
      for (const other of runs) if (other !== run) other.pause();
      setups.push(await setUp(run, scenario));
    }
    for (let turn = 0; turn < options.windowsPerPlane; turn++) {
      const order = turn % 2 === 0 ? runs : [...runs].reverse();
      for (const run of order) {
        for (const other of runs) if (other !== run) other.pause();
        run.resume();
        await sleep(SETTLE_MS);
        const window = await run.measure(options.windowSeconds, options.quiet);
        windows.push({ plane: run.plane.name, window });
        options.onWindow?.(run.plane.name, run.participants.length, window);
      }
    }
    return { scenario: scenario.id, title: scenario.title, setups, windows };
  } finally {
    await Promise.all(runs.map((run) => run.close()));
    await sleep(500); // the workers free the rooms before the next load starts
  }
}

async function setUp(run: LoadRun, scenario: SteadyScenario): Promise<SteadySetup> {
  const startedAt = performance.now();
  for (let i = 0; i < scenario.rooms; i++) {
    const room = await run.openRoom(scenario.room, ['audio', 'video']);
    await run.join(room);
    await run.joinMany(room, scenario.room.members.length - 1);
  }
  const flowing = await run.waitFlowing(8_000);
  const joins = run.joinTimes();
  return {
    plane: run.plane.name,
    participants: run.participants.length,
    flowing,
    setupSeconds: (performance.now() - startedAt) / 1000,
    joinMs: joins.samples,
    joinsWithoutMedia: joins.withoutMedia,
    failures: run.failures,
  };
}
