import type { PlaneName } from '../load/control-plane.ts';
import type { WindowMeasurement } from '../measure/window.ts';
import { type CapacityResult, MAX_LOSS, MAX_P99_MS } from '../scenarios/capacity-search.ts';
import type { ScaleOutPoint, ScaleOutResult } from '../scenarios/scale-out.ts';
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

  header(mode: string, scenarios: readonly string[], budgetSeconds: number, m: Machine): void {
    const p = this.#print;
    p(`Skjerm forwarding benchmark (${mode}: ${scenarios.join(', ')}), budget ${budgetSeconds} s`);
    p(
      `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, load ${m.loadAverage.join(' ')}`,
    );
    p(
      'Media over SRTP PlainTransports (AES_CM_128_HMAC_SHA1_80, SKJERM_PLAIN_RTP=true), no ICE/DTLS;',
    );
    p(
      'every frame SFrame-encrypted. One mediasoup 3.12.16 worker per plane (MEDIASOUP_WORKER_BIN);',
    );
    p("Skjerm's server and the baseline script each in their own process.");
    if (scenarios.includes('scale-out')) {
      p(
        `Scale-out: Redis, a signaling node and 1 or 2 media nodes (1 worker each) as processes on 127.0.0.1, all sharing these ${m.cores} cores with the load generator;`,
      );
      p(
        'what limits it here: the load generator (one Node process doing SRTP for every packet) saturates a core first, so the 2-node ÷ 1-node ratio may describe the generator, not the media nodes (see the limit per ramp, and worker CPU per node against load generator CPU).',
      );
    }
    p('');
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

  /** A scale-out step: the window's row, then each media node's share. */
  scaleOutPoint(mediaNodes: number, point: ScaleOutPoint): void {
    const verdict = point.holds ? '' : point.disturbed ? ' fail?' : ' FAIL';
    this.window(
      `${mediaNodes}-node ${point.consultations}×(b)${verdict}`,
      'skjerm',
      point.participants,
      point,
    );
    const nodes = point.nodes ?? [];
    const nodeCpu = nodes.reduce((total, node) => total + node.nodeCpu, 0);
    const parts = nodes.map(
      (node) =>
        `${node.nodeId} worker ${fixed(node.workerCpu)}% node ${fixed(node.nodeCpu)}% ${whole(point.placement[node.nodeId] ?? Number.NaN)}p`,
    );
    this.#print(
      `    ${parts.join('; ')}; signaling ${fixed(point.controlCpu - nodeCpu)}%${point.remeasured ? ' (measured twice)' : ''}`,
    );
  }

  scaleOutSummary(result: ScaleOutResult): void {
    const p = this.#print;
    p(
      `\nScale-out: total capacity, consultations of ${result.room}, audio+video, 1 worker per media node (holds: loss ≤ ${MAX_LOSS * 100}% and p99 ≤ ${MAX_P99_MS} ms)`,
    );
    const table = new TextTable(
      [
        { title: 'media nodes', width: 11 },
        { title: 'consultations', width: 13 },
        { title: 'consumers', width: 9 },
        { title: 'worker% per node', width: 16 },
        { title: 'loadgen%', width: 8 },
        { title: 'p99 ms', width: 6 },
        { title: 'limit at the end', width: 16, align: 'left' },
      ],
      p,
    );
    table.header();
    for (const ramp of result.ramps) {
      const top = ramp.points.filter((point) => point.holds).at(-1);
      table.row([
        String(ramp.mediaNodes),
        String(ramp.capacity?.consultations ?? '-'),
        String(ramp.capacity?.consumers ?? '-'),
        (top?.nodes ?? []).map((node) => fixed(node.workerCpu, 0)).join('/') || '-',
        fixed(top?.loadGeneratorCpu ?? Number.NaN, 0),
        fixed(top?.latencyMs.p99 ?? Number.NaN),
        ramp.limit,
      ]);
    }
    for (const ramp of result.ramps) {
      const end = ramp.points.at(-1);
      const cpu = end
        ? `; CPU there: load generator ${fixed(end.loadGeneratorCpu, 0)}%, workers ${(end.nodes ?? []).map((node) => fixed(node.workerCpu, 0)).join('/')}%, Node processes ${fixed(end.controlCpu, 0)}%, other jobs ${fixed(end.otherCpu, 0)}%`
        : '';
      p(`  ${ramp.mediaNodes} media node(s) stopped: ${ramp.stoppedBy}${cpu}`);
    }
    const { value, bound, mediaNodes } = result.ratio;
    const reading =
      bound === 'exact'
        ? 'both ramps ended on a failing step; good to one step either way'
        : bound === 'unknown'
          ? 'not a capacity ratio: a ramp held no step, or neither failed'
          : `${bound}: a ramp ran out of steps or time before failing`;
    p(`Ratio ${mediaNodes[0]} nodes ÷ ${mediaNodes[1]} node: ${fixed(value, 2)} (${reading})`);
    const limits = new Set(result.ramps.map((ramp) => ramp.limit));
    p(
      limits.size === 1 && limits.has('load generator')
        ? `Limit on this machine: the load generator in both ramps (its CPU ≥ 90% or its event loop stalled ≥ 30 ms where they ended), so this ratio describes the generator on ${result.cores} shared cores, not what a second media node adds; that needs the generator on other machines.`
        : `Limit on this machine: ${result.ramps.map((ramp) => `${ramp.mediaNodes} node(s): ${ramp.limit}`).join('; ')} (${result.cores} cores shared by the generator, the signaling node and every media node).`,
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
