// Load test of Skjerm's forwarding core against a raw-mediasoup baseline (issue 7), and of
// Skjerm scaled out over media nodes (issue 8):
//   node bench/run.ts                        quick pass, under 3 minutes
//   node bench/run.ts --full                 longer windows, bigger loads, both planes ramped,
//                                            and the scale-out scenario (~20 minutes)
//   node bench/run.ts --scenario scale-out   only the named scenarios (see cli-options.ts)
// Prints a row per measurement as it goes, then a summary; writes
// bench/results/forwarding-<mode>.json and bench/results/capacity-<mode>.svg.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type CliOptions, parseCli } from './cli-options.ts';
import type { ControlPlane, PlaneName } from './load/control-plane.ts';
import { RawMediasoupPlane } from './load/raw-mediasoup-driver.ts';
import { SkjermPlane } from './load/skjerm-driver.ts';
import { QuietGate } from './measure/window.ts';
import { PROFILES, type Profile } from './profiles.ts';
import { ConsoleReport } from './report/console-report.ts';
import { writeResults } from './report/results-file.ts';
import { machine } from './report/summary.ts';
import { fixed } from './report/table.ts';
import { type CapacityResult, searchCapacity } from './scenarios/capacity-search.ts';
import { withInterpreter } from './scenarios/room-shapes.ts';
import { measureScaleOut, type ScaleOutResult } from './scenarios/scale-out.ts';
import { measureSignalingRate, type SignalingRateResult } from './scenarios/signaling-rate.ts';
import { runSteadyLoad, type SteadyResult } from './scenarios/steady-load.ts';

/** Kept back from the budget for the signaling phase, teardown and writing results (ms). */
const RESERVE_MS = 15_000;
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

/** One run of the whole benchmark: both planes, the phases in turn, and what they found. */
class ForwardingBench {
  readonly #profile: Profile;
  readonly #cli: CliOptions;
  readonly budgetSeconds: number;
  readonly #report = new ConsoleReport(print);
  readonly #quiet: QuietGate;
  readonly #startedAt = performance.now();
  readonly #startedAtIso = new Date().toISOString();
  readonly #machine = machine();
  readonly #planes = new Map<PlaneName, ControlPlane>();
  readonly #steady: SteadyResult[] = [];
  readonly #capacity: CapacityResult[] = [];
  #signaling: SignalingRateResult | undefined;
  #scaleOut: ScaleOutResult | undefined;
  readonly #notes: string[] = [];

  constructor(profile: Profile, cli: CliOptions) {
    this.#profile = profile;
    this.#cli = cli;
    this.#quiet = new QuietGate(profile.quietWait.totalMs, profile.quietWait.perWindowMs);
    const forwarding = cli.scenarios.some((name) => name !== 'scale-out');
    this.budgetSeconds =
      (forwarding ? profile.budgetSeconds : 0) +
      (cli.scenarios.includes('scale-out') ? profile.scaleOut.budgetSeconds : 0);
  }

  remainingMs(): number {
    return this.budgetSeconds * 1000 - (performance.now() - this.#startedAt);
  }

  /** What the phases before the scale-out scenario may use: its share is kept for it. */
  #forwardingRemainingMs(): number {
    const scaleOut = this.#cli.scenarios.includes('scale-out');
    return this.remainingMs() - (scaleOut ? this.#profile.scaleOut.budgetSeconds * 1000 : 0);
  }

  async run(): Promise<void> {
    const { scenarios } = this.#cli;
    this.#report.header(this.#profile.mode, scenarios, this.budgetSeconds, this.#machine);
    if (scenarios.includes('forwarding') || scenarios.includes('capacity')) {
      this.#planes.set('skjerm', await SkjermPlane.start());
      this.#planes.set('baseline', await RawMediasoupPlane.start());
    }
    if (scenarios.includes('forwarding')) await this.#steadyPhase();
    if (scenarios.includes('capacity')) await this.#capacityPhase();
    if (scenarios.includes('signaling')) await this.#signalingPhase();
    await this.close();
    if (scenarios.includes('scale-out')) await this.#scaleOutPhase();
    if (scenarios.some((name) => name !== 'scale-out')) {
      this.#report.summary(this.#steady, this.#capacity, this.#notes);
    }
    if (this.#scaleOut) this.#report.scaleOutSummary(this.#scaleOut);
    if (!scenarios.some((name) => name !== 'scale-out') && this.#notes.length) {
      print(`\nNotes:\n${this.#notes.map((n) => `  - ${n}`).join('\n')}`);
    }
    this.write();
  }

  /** Scenarios (a) to (c): the same load on both planes, measured in turns. */
  async #steadyPhase(): Promise<void> {
    const { scenarios, steadyWindowSeconds, windowsPerPlane } = this.#profile;
    const planes = [this.#plane('skjerm'), this.#plane('baseline')];
    for (const scenario of scenarios) {
      if (this.#forwardingRemainingMs() < RESERVE_MS + 90_000) {
        this.#notes.push(`steady scenario ${scenario.id} skipped: time budget`);
        continue;
      }
      const result = await runSteadyLoad(planes, scenario, {
        windowSeconds: steadyWindowSeconds,
        windowsPerPlane,
        quiet: this.#quiet,
        onWindow: (plane, participants, window) =>
          this.#report.window(`${scenario.id} ${scenario.title}`, plane, participants, window),
      });
      this.#steady.push(result);
      for (const setup of result.setups) {
        this.#notes.push(...setup.failures);
        if (!setup.flowing) {
          this.#notes.push(
            `${scenario.id} on ${setup.plane}: not every consumer had media in time`,
          );
        }
      }
    }
  }

  /** Scenario (d): one large room per worker, ramped until a step fails, video and audio. */
  async #capacityPhase(): Promise<void> {
    const { rampPlanes, videoSteps, audioSteps, capacityWindowSeconds } = this.#profile;
    const ramps = rampPlanes.flatMap((plane) => [
      { plane, kinds: ['audio', 'video'] as const, steps: videoSteps, label: 'video' },
      { plane, kinds: ['audio'] as const, steps: audioSteps, label: 'audio' },
    ]);
    for (const [i, ramp] of ramps.entries()) {
      // What is left is shared fairly between the ramps still to come.
      const endAt =
        performance.now() + (this.#forwardingRemainingMs() - RESERVE_MS) / (ramps.length - i);
      const result = await searchCapacity(this.#plane(ramp.plane), {
        kinds: ramp.kinds,
        steps: ramp.steps,
        windowSeconds: capacityWindowSeconds,
        quiet: this.#quiet,
        remainingMs: () =>
          Math.min(endAt - performance.now(), this.#forwardingRemainingMs() - RESERVE_MS),
        onPoint: (point) => {
          const verdict = point.holds ? '' : point.disturbed ? ' fail?' : ' FAIL';
          const phase = `ramp ${ramp.label} ${point.participants}p${verdict}`;
          this.#report.window(phase, ramp.plane, point.participants, point);
        },
      });
      this.#capacity.push(result);
      this.#notes.push(...result.failures);
      this.#report.rampEnd(result);
    }
  }

  /** Total capacity with one and with two media nodes, each a cluster of its own. */
  async #scaleOutPhase(): Promise<void> {
    const { scaleOut } = this.#profile;
    // Its own share of the budget, whatever the phases before it left over.
    const endAt = performance.now() + scaleOut.budgetSeconds * 1000 - RESERVE_MS;
    this.#scaleOut = await measureScaleOut({
      mediaNodes: scaleOut.mediaNodes,
      room: withInterpreter,
      roomTitle: '4 (host, patient, relative, interpreter)',
      steps: scaleOut.steps,
      windowSeconds: scaleOut.windowSeconds,
      quiet: this.#quiet,
      cores: availableParallelism(),
      remainingMs: () => Math.min(endAt - performance.now(), this.remainingMs() - RESERVE_MS),
      onPoint: (mediaNodes, point) => this.#report.scaleOutPoint(mediaNodes, point),
    });
    for (const ramp of this.#scaleOut.ramps) this.#notes.push(...ramp.failures);
  }

  async #signalingPhase(): Promise<void> {
    if (this.#forwardingRemainingMs() < this.#profile.signalingSeconds * 1000 + 8_000) {
      this.#notes.push('signaling rate skipped: time budget');
      return;
    }
    this.#signaling = await measureSignalingRate(this.#profile.signalingSeconds);
    this.#report.signaling(this.#signaling);
  }

  /** Writes the JSON and the SVG; safe with partial results. */
  write(): void {
    const { json, svg } = writeResults(resultsDir, {
      scenarios: this.#cli.chosen ? this.#cli.scenarios : undefined,
      scaleOut: this.#scaleOut,
      mode: this.#profile.mode,
      startedAt: this.#startedAtIso,
      elapsedSeconds: (performance.now() - this.#startedAt) / 1000,
      machine: this.#machine,
      steady: this.#steady,
      capacity: this.#capacity,
      signaling: this.#signaling,
      notes: this.#notes,
    });
    const seconds = fixed((performance.now() - this.#startedAt) / 1000, 0);
    print(`\nWrote ${json}${svg ? `\n      ${svg}` : ''}\nin ${seconds} s`);
  }

  async close(): Promise<void> {
    const planes = [...this.#planes.values()];
    this.#planes.clear();
    await Promise.all(planes.map((plane) => plane.close().catch(() => undefined)));
  }

  #plane(name: PlaneName): ControlPlane {
    const plane = this.#planes.get(name);
    if (!plane) throw new Error(`${name} is not running`);
    return plane;
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const workerBinary = process.env.MEDIASOUP_WORKER_BIN;
if (!workerBinary || !existsSync(workerBinary)) {
  print(
    'MEDIASOUP_WORKER_BIN does not name a built mediasoup worker: run `node infra/bootstrap/run.mjs bench`, which builds and sets it',
  );
  process.exit(2);
}

let cli: CliOptions;
try {
  cli = parseCli(process.argv.slice(2));
} catch (error) {
  print((error as Error).message);
  process.exit(2);
}
const bench = new ForwardingBench(PROFILES[cli.mode], cli);
// Whatever happens, the run ends: 20 s past the budget it writes what it has and leaves.
const hardStop = setTimeout(
  async () => {
    print('\nHard time limit reached: writing partial results.');
    bench.write();
    await Promise.race([bench.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    process.exit(3);
  },
  (bench.budgetSeconds + 20) * 1000,
);
process.once('SIGINT', () => {
  void bench.close().finally(() => process.exit(130));
});
try {
  await bench.run();
} catch (error) {
  print(`\nThe run failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  bench.write();
  await bench.close();
  process.exitCode = 1;
} finally {
  clearTimeout(hardStop);
}
