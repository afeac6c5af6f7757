import type { PlaneName } from '../load/control-plane.ts';
import type { WindowMeasurement } from '../measure/window.ts';
import { type CapacityResult, MAX_LOSS, MAX_P99_MS } from '../scenarios/capacity-search.ts';
import type { SignalingRateResult } from '../scenarios/signaling-rate.ts';
import type { SteadyResult } from '../scenarios/steady-load.ts';
import type { Machine } from './summary.ts';
import { compare, joinTimes, TARGETS } from './summary.ts';
import { fixed, TextTable, whole } from './table.ts';

/** What the run prints: a header, a row per measurement window as it ends, and the summary. */
export class ConsoleReport {
  readonly #print: (line: string) => void;
  readonly #progress: TextTable;

  constructor(print: (line: string) => void) {
    this.#print = print;
    this.#progress = new TextTable(
      [
        { title: 'phase', width: 22, align: 'left' },
        { title: 'plane', width: 8, align: 'left' },
        { title: 'peers', width: 5 },
        { title: 'consumers', width: 9 },
        { title: 'fwd pkt/s', width: 9 },
        { title: 'loss %', width: 6 },
        { title: 'p50 ms', width: 6 },
        { title: 'p99 ms', width: 6 },
        { title: 'worker%', width: 7 },
        { title: 'server%', width: 7 },
        { title: 'loadgen%', width: 8 },
        { title: 'lag p99', width: 7 },
        { title: 'other%', width: 6 },
      ],
      print,
    );
  }

  header(mode: string, budgetSeconds: number, m: Machine): void {
    const p = this.#print;
    p(`Skjerm forwarding benchmark (${mode}), budget ${budgetSeconds} s`);
    p(
      `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, load ${m.loadAverage.join(' ')}`,
    );
    p(
      'Media over SRTP PlainTransports (AES_CM_128_HMAC_SHA1_80, SKJERM_PLAIN_RTP=true), no ICE/DTLS;',
    );
    p(
      'every frame SFrame-encrypted. One mediasoup 3.12.16 worker per plane (MEDIASOUP_WORKER_BIN);',
    );
    p("Skjerm's server and the baseline script each in their own process.\n");
    this.#progress.header();
  }

  window(phase: string, plane: PlaneName, peers: number, w: WindowMeasurement): void {
    this.#progress.row([
      phase,
      plane,
      String(peers),
      String(w.consumers),
      whole(w.forwardedPacketsPerSecond),
      fixed(w.loss * 100, 2),
      fixed(w.latencyMs.p50, 2),
      fixed(w.latencyMs.p99, 1),
      fixed(w.workerCpu),
      fixed(w.controlCpu),
      fixed(w.loadGeneratorCpu, 0),
      fixed(w.loadGeneratorLagP99Ms),
      fixed(w.otherCpu, 0),
    ]);
  }

  rampEnd(result: CapacityResult): void {
    this.#print(
      `  -> ${result.plane} ${result.media}: holds ${result.limitConsumers ?? 'no step'} consumers; stopped: ${result.stoppedBy}`,
    );
  }

  signaling(s: SignalingRateResult): void {
    const bound =
      s.serverCpu < 90 ? ' (server not saturated: the clients were the limit; a lower bound)' : '';
    this.#print(
      `  -> signaling: ${whole(s.requestsPerSecond)} relayKeys/s answered (+${whole(s.notificationsPerSecond)} relayed/s), p99 ${fixed(s.latencyMs.p99)} ms, server CPU ${fixed(s.serverCpu, 0)}%, load generator ${fixed(s.loadGeneratorCpu, 0)}%${bound}`,
    );
  }

  summary(
    steady: readonly SteadyResult[],
    capacity: readonly CapacityResult[],
    notes: readonly string[],
  ): void {
    const p = this.#print;
    p('\nSkjerm ÷ baseline, same load (targets: throughput ≥ 0.97, worker CPU ≤ 1.05)');
    const table = new TextTable(
      [
        { title: 'scenario', width: 14, align: 'left' },
        { title: 'throughput', width: 10 },
        { title: 'worker CPU', width: 10 },
        { title: 'p99 latency', width: 11 },
        { title: 'CPU S/B %', width: 11 },
        { title: 'p99 S/B ms', width: 11 },
      ],
      p,
    );
    table.header();
    const mark = (ok: boolean) => (ok ? ' ok' : ' !!');
    for (const c of compare(steady)) {
      table.row([
        c.scenario,
        fixed(c.throughputRatio, 3) + mark(c.throughputRatio >= TARGETS.minThroughputRatio),
        fixed(c.workerCpuRatio, 3) + mark(c.workerCpuRatio <= TARGETS.maxCpuRatio),
        fixed(c.p99Ratio, 2),
        `${fixed(c.skjerm.workerCpu)}/${fixed(c.baseline.workerCpu)}`,
        `${fixed(c.skjerm.p99Ms)}/${fixed(c.baseline.p99Ms)}`,
      ]);
    }
    p(`\nCapacity per worker (holds: loss ≤ ${MAX_LOSS * 100}% and p99 ≤ ${MAX_P99_MS} ms):`);
    for (const c of capacity) this.#capacity(c);
    for (const plane of ['skjerm', 'baseline'] as const) {
      const j = joinTimes(steady, capacity, plane);
      const silent = j.withoutMedia ? `, ${j.withoutMedia} never got media` : '';
      p(
        `Join time ${plane} (WebSocket open → first media, under load): p50 ${fixed(j.p50, 0)} ms, p99 ${fixed(j.p99, 0)} ms, n=${j.count}${silent}`,
      );
    }
    if (notes.length) p(`\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}`);
  }

  #capacity(c: CapacityResult): void {
    const { cpuPerConsumer, consumersAtFullCore } = c.workerProjection;
    const check = c.resourceUsageCheck;
    const top = c.points.filter((point) => point.holds).at(-1);
    const perPacket = top ? (top.workerCpu * 10_000) / top.forwardedPacketsPerSecond : Number.NaN;
    const kernel = (top?.workerSystemShare ?? Number.NaN) * 100;
    this.rampEnd(c);
    this.#print(
      `    worker alone: ${fixed(cpuPerConsumer, 3)}% of a core per consumer, ~${whole(consumersAtFullCore)} consumers at 100% (extrapolated); ${fixed(perPacket, 1)} µs of worker CPU per forwarded packet, ${fixed(kernel, 0)}% of it in the kernel`,
    );
    this.#print(
      `    memory per consumer: worker ${bytes(c.bytesPerConsumer.worker)}, Node ${bytes(c.bytesPerConsumer.control)}; worker CPU so far: getResourceUsage ${fixed(check.getResourceUsageMs / 1000)} s, /proc ${fixed(check.procMs / 1000)} s`,
    );
  }
}

/** Bytes as B or KiB (RSS slopes are noisy: a negative one means the noise won). */
function bytes(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return Math.abs(value) < 10_240 ? `${whole(value)} B` : `${fixed(value / 1024)} KiB`;
}
