import { mkdirSync, writeFileSync } from 'node:fs';
import type { CapacityResult } from '../scenarios/capacity-search.ts';
import { MAX_LOSS, MAX_P99_MS } from '../scenarios/capacity-search.ts';
import type { ScaleOutResult } from '../scenarios/scale-out.ts';
import type { SignalingRateResult } from '../scenarios/signaling-rate.ts';
import type { SteadyResult } from '../scenarios/steady-load.ts';
import { capacityPanels, compare, joinTimes, type Machine, machine, TARGETS } from './summary.ts';
import { renderCapacitySvg } from './svg-curve.ts';

export interface RunResults {
  mode: 'quick' | 'full';
  startedAt: string;
  elapsedSeconds: number;
  machine: Machine;
  steady: readonly SteadyResult[];
  capacity: readonly CapacityResult[];
  signaling: SignalingRateResult | undefined;
  scaleOut: ScaleOutResult | undefined;
  /** The scenarios run, when chosen with --scenario (they name the files); else the default set. */
  scenarios: readonly string[] | undefined;
  notes: readonly string[];
}

/**
 * Writes `forwarding-<mode>.json` (everything measured, with the derived comparisons) and, if a
 * capacity ramp ran, `capacity-<mode>.svg` into `dir`; returns the paths. Scenarios chosen with
 * --scenario add their names (`forwarding-quick-scale-out.json`), so a partial run does not
 * overwrite a whole one. Non-finite numbers become null.
 */
export function writeResults(
  dir: string,
  results: RunResults,
): { json: string; svg: string | undefined } {
  mkdirSync(dir, { recursive: true });
  const suffix = results.scenarios ? `-${results.scenarios.join('+')}` : '';
  const json = `${dir}forwarding-${results.mode}${suffix}.json`;
  const svg = results.capacity.length ? `${dir}capacity-${results.mode}${suffix}.svg` : undefined;
  const { steady, capacity } = results;
  const document = {
    version: 1,
    mode: results.mode,
    startedAt: results.startedAt,
    elapsedSeconds: results.elapsedSeconds,
    machine: { ...results.machine, loadAverageAtEnd: machine().loadAverage },
    media:
      'SRTP PlainTransports (AES_CM_128_HMAC_SHA1_80, SKJERM_PLAIN_RTP=true), no ICE/DTLS; SFrame AES_128_GCM_SHA256_128 frames',
    criteria: { maxLoss: MAX_LOSS, maxP99Ms: MAX_P99_MS, ...TARGETS },
    comparisons: compare(steady),
    capacity,
    joinTimeMs: {
      skjerm: joinTimes(steady, capacity, 'skjerm'),
      baseline: joinTimes(steady, capacity, 'baseline'),
    },
    signaling: results.signaling,
    scaleOut: results.scaleOut,
    steady,
    notes: results.notes,
  };
  const finiteOrNull = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value;
  writeFileSync(json, `${JSON.stringify(document, finiteOrNull, 2)}\n`);
  if (svg) writeFileSync(svg, renderCapacitySvg(capacityPanels(capacity)));
  return { json, svg };
}
