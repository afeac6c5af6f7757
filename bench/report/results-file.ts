import { mkdirSync, writeFileSync } from 'node:fs';
import type { CapacityResult } from '../scenarios/capacity-search.ts';
import { MAX_LOSS, MAX_P99_MS } from '../scenarios/capacity-search.ts';
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
  notes: readonly string[];
}

/**
 * Writes `forwarding-<mode>.json` (everything measured, with the derived comparisons) and
 * `capacity-<mode>.svg` into `dir`; returns both paths. Non-finite numbers become null.
 */
export function writeResults(dir: string, results: RunResults): { json: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const json = `${dir}forwarding-${results.mode}.json`;
  const svg = `${dir}capacity-${results.mode}.svg`;
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
    steady,
    notes: results.notes,
  };
  const finiteOrNull = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value;
  writeFileSync(json, `${JSON.stringify(document, finiteOrNull, 2)}\n`);
  writeFileSync(svg, renderCapacitySvg(capacityPanels(capacity)));
  return { json, svg };
}
