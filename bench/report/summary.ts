import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import type { PlaneName } from '../load/control-plane.ts';
import type { WindowMeasurement } from '../measure/window.ts';
import type { CapacityResult } from '../scenarios/capacity-search.ts';
import type { SteadyResult } from '../scenarios/steady-load.ts';
import { type Distribution, distribution, median, ratio } from './statistics.ts';
import type { CapacityPanel, Series } from './svg-curve.ts';

/** Targets from issue 7: Skjerm ÷ baseline on the same load. */
export const TARGETS = { minThroughputRatio: 0.97, maxCpuRatio: 1.05 } as const;

export interface PlaneFigures {
  forwardedPacketsPerSecond: number;
  workerCpu: number;
  p99Ms: number;
  loss: number;
}

export interface Comparison {
  scenario: string;
  skjerm: PlaneFigures;
  baseline: PlaneFigures;
  throughputRatio: number;
  workerCpuRatio: number;
  p99Ratio: number;
}

/**
 * Skjerm ÷ baseline per scenario (medians over each plane's windows), and one
 * pooled row over all scenarios: summed packets and CPU, so small loads do not dominate.
 */
export function compare(steady: readonly SteadyResult[]): Comparison[] {
  const rows = steady.flatMap((result) => {
    const of = (plane: PlaneName) =>
      figures(result.windows.filter((w) => w.plane === plane).map((w) => w.window));
    const skjerm = of('skjerm');
    const baseline = of('baseline');
    return skjerm && baseline ? [comparison(result.scenario, skjerm, baseline)] : [];
  });
  if (rows.length > 1) {
    const pooled = (pick: (f: PlaneFigures) => number, side: 'skjerm' | 'baseline') =>
      rows.reduce((total, row) => total + pick(row[side]), 0);
    const side = (name: 'skjerm' | 'baseline'): PlaneFigures => ({
      forwardedPacketsPerSecond: pooled((f) => f.forwardedPacketsPerSecond, name),
      workerCpu: pooled((f) => f.workerCpu, name),
      p99Ms: Math.max(...rows.map((row) => row[name].p99Ms)),
      loss: Math.max(...rows.map((row) => row[name].loss)),
    });
    rows.push(comparison('all (pooled)', side('skjerm'), side('baseline')));
  }
  return rows;
}

function comparison(scenario: string, skjerm: PlaneFigures, baseline: PlaneFigures): Comparison {
  return {
    scenario,
    skjerm,
    baseline,
    throughputRatio: ratio(skjerm.forwardedPacketsPerSecond, baseline.forwardedPacketsPerSecond),
    workerCpuRatio: ratio(skjerm.workerCpu, baseline.workerCpu),
    p99Ratio: ratio(skjerm.p99Ms, baseline.p99Ms),
  };
}

/** A plane's figures over its windows: medians, so one disturbed window does not decide. */
function figures(windows: readonly WindowMeasurement[]): PlaneFigures | undefined {
  if (windows.length === 0) return undefined;
  const middle = (pick: (w: WindowMeasurement) => number) => median(windows.map(pick));
  return {
    forwardedPacketsPerSecond: middle((w) => w.forwardedPacketsPerSecond),
    workerCpu: middle((w) => w.workerCpu),
    p99Ms: middle((w) => w.latencyMs.p99),
    loss: middle((w) => w.loss),
  };
}

/** Join times of one plane over every phase that measured them. */
export function joinTimes(
  steady: readonly SteadyResult[],
  capacity: readonly CapacityResult[],
  plane: 'skjerm' | 'baseline',
): Distribution & { withoutMedia: number } {
  const mine = [...steady.flatMap((r) => r.setups), ...capacity].filter((r) => r.plane === plane);
  return {
    ...distribution(mine.flatMap((r) => r.joinMs)),
    withoutMedia: mine.reduce((total, r) => total + r.joinsWithoutMedia, 0),
  };
}

const COLORS = { skjerm: '#1f5fbf', baseline: '#7a7a7a', load: '#d9822b' } as const;

/** One SVG panel per media mix: throughput (left) and CPU (right) against consumers. */
export function capacityPanels(capacity: readonly CapacityResult[]): CapacityPanel[] {
  const mixes = [...new Set(capacity.map((r) => r.media))];
  return mixes.map((media) => {
    const runs = capacity.filter((r) => r.media === media);
    const series: Series[] = runs.flatMap((run) => {
      const color = COLORS[run.plane];
      const at = (pick: (p: (typeof run.points)[number]) => number) =>
        run.points.map((p) => ({ x: p.consumers, y: pick(p) }));
      const own: Series[] = [
        {
          name: `${run.plane} forwarded packets/s`,
          color,
          axis: 'left',
          points: at((p) => p.forwardedPacketsPerSecond),
        },
        {
          name: `${run.plane} worker CPU %`,
          color,
          axis: 'right',
          dashed: true,
          points: at((p) => p.workerCpu),
        },
      ];
      if (run.plane === 'skjerm') {
        own.push({
          name: 'load generator CPU %',
          color: COLORS.load,
          axis: 'right',
          dashed: true,
          points: at((p) => p.loadGeneratorCpu),
        });
      }
      return own;
    });
    const skjerm = runs.find((r) => r.plane === 'skjerm');
    return {
      title: `Capacity of one worker, ${media === 'audio' ? 'audio only' : 'audio + video'}`,
      xLabel: 'consumers on the worker',
      leftLabel: 'forwarded RTP packets/s',
      rightLabel: 'CPU, % of one core',
      series,
      marker:
        skjerm?.limitConsumers === undefined
          ? undefined
          : { x: skjerm.limitConsumers, label: `Skjerm holds ${skjerm.limitConsumers}` },
    };
  });
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  loadAverage: number[];
}

export function machine(): Machine {
  const cpuinfo = safeRead('/proc/cpuinfo');
  return {
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAverage: loadavg().map((n) => Number(n.toFixed(2))),
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
