import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { ControlPlane } from '../load/control-plane.ts';
import type { LoadParticipant } from '../load/load-participant.ts';
import type { WindowRecorder } from '../load/media-receiver.ts';
import { type Distribution, distribution } from '../report/statistics.ts';
import {
  CpuMeter,
  cpuSplitMs,
  cpuTimeNs,
  machineBusyMs,
  udpDrops,
  udpQueueMaxBytes,
} from './process-usage.ts';

/** One measurement window over a steady load. CPU figures are % of one core. */
export interface WindowMeasurement {
  seconds: number;
  consumers: number;
  /** Consumers that had delivered no frame when the window opened (their loss counts). */
  silentConsumers: number;
  /** RTP packets/s the SFU forwarded, as counted by the receivers. */
  forwardedPacketsPerSecond: number;
  framesExpected: number;
  framesReceived: number;
  /** Frames not received and decrypted, over frames sent to consumers in the window. */
  loss: number;
  /** Added latency, ms: first packet to the socket → frame decrypted at the receiver. */
  latencyMs: Distribution;
  /** The probe's send time (before encryption) → frame decrypted, ms. */
  endToEndMs: Distribution;
  workerCpu: number;
  /** Share of the worker's CPU time spent in the kernel (sendmsg/recvmsg). */
  workerSystemShare: number;
  controlCpu: number;
  loadGeneratorCpu: number;
  /**
   * CPU the rest of the machine used meanwhile (other people's jobs on a shared host), % of
   * one core: when high, every figure of the window is suspect.
   */
  otherCpu: number;
  /** How long the window waited for other jobs on the machine to calm down (ms). */
  waitedForQuietMs?: number;
  /** The load generator's own event-loop delay p99 (ms): when high, it inflates latency. */
  loadGeneratorLagP99Ms: number;
  /**
   * Its longest stall (ms) and its longest garbage-collection pause: one stall of 40 ms in a
   * 3 s window delays about 1% of all frames, which is a p99 of 40 ms by itself.
   */
  loadGeneratorLagMaxMs: number;
  loadGeneratorGcMaxMs: number;
  /**
   * The fullest kernel receive queue seen (sampled every 20 ms, bytes) on the load generator's
   * sockets and on the worker's media ports: shows which side packets waited on.
   */
  loadGeneratorQueueMaxBytes: number;
  sfuQueueMaxBytes: number;
  /** Datagrams the kernel dropped on the load generator's sockets / the SFU's media ports. */
  loadGeneratorDrops: number;
  sfuDrops: number;
  decryptFailures: number;
  /** SRTP/SRTCP packets from the worker whose tag did not verify (should be 0). */
  srtpFailures: number;
  /** Frame slots the senders dropped because the load generator fell behind (should be 0). */
  skippedFrames: number;
  /**
   * Scaled out: each media node's share. `workerCpu` is then the sum of their workers and
   * `controlCpu` the signaling node's plus the media nodes' Node processes.
   */
  nodes?: NodeUsage[];
}

/** A media node of a scaled-out Skjerm, to meter: its Node process and its worker. */
export interface MeteredNode {
  nodeId: string;
  pid: number;
  workerPid: number;
}

/** What one media node used in a window, % of one core. */
export interface NodeUsage {
  nodeId: string;
  workerCpu: number;
  /** The media node's Node process (RPC, the SFrame check). */
  nodeCpu: number;
}

/** Time after the window closes for frames sent inside it to arrive. */
const GRACE_MS = 400;

/** How often the kernel's socket queues are looked at during a window. */
const QUEUE_SAMPLE_MS = 20;

/** Node's delay histogram samples with a timer of this period and counts the period in. */
const LAG_RESOLUTION_MS = 1;

/**
 * Measures `seconds` of the load as it stands: every source's window opens at once, receivers
 * count what arrives, then frames sent in the window get GRACE_MS to land before they are
 * counted. Loss is counted in the senders' own probe sequence numbers, per consumer. With
 * `nodes` (a scaled-out Skjerm) every media node's worker and Node process are metered.
 */
export async function measureWindow(
  plane: ControlPlane,
  participants: readonly LoadParticipant[],
  recorder: WindowRecorder,
  seconds: number,
  nodes?: readonly MeteredNode[],
): Promise<WindowMeasurement> {
  const streams = participants.flatMap((p) => [...p.receiver.streams.values()]);
  const sources = participants.flatMap((p) => p.sources);
  const loadPorts = new Set(participants.flatMap((p) => p.ports));
  const silentConsumers = streams.filter((s) => s.frames === 0).length;
  const decryptFailuresBefore = sum(streams.map((s) => s.decryptFailures));
  const srtpFailuresBefore = srtpFailures(participants);
  const skippedBefore = sum(sources.map((s) => s.skippedFrames));
  const workerPids = nodes ? nodes.map((node) => node.workerPid) : [plane.workerPid];
  const workers = workerPids.map((pid) => new CpuMeter(pid));
  const nodeProcesses = (nodes ?? []).map((node) => new CpuMeter(node.pid));
  const control = new CpuMeter(plane.controlPid);
  const workerSplitBefore = workerSplit(workerPids);
  const dropsBefore = { load: udpDrops(loadPorts), sfu: udpDrops(plane.mediaPorts) };
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  let gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
  });

  for (const stream of streams) stream.windowFrames = 0;
  recorder.reset();
  for (const source of sources) source.openWindow();
  recorder.active = true;
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const startedAt = performance.now();
  for (const meter of [...workers, ...nodeProcesses, control]) meter.start();
  lag.enable();
  gc.observe({ entryTypes: ['gc'] });
  const queues = { load: 0, sfu: 0 };
  const sampler = setInterval(() => {
    queues.load = Math.max(queues.load, udpQueueMaxBytes(loadPorts));
    queues.sfu = Math.max(queues.sfu, udpQueueMaxBytes(plane.mediaPorts));
  }, QUEUE_SAMPLE_MS);

  await sleep(seconds * 1000);
  clearInterval(sampler);

  for (const source of sources) source.closeWindow();
  recorder.active = false;
  const elapsedMs = performance.now() - startedAt;
  const workerCpus = workers.map((meter) => meter.stop());
  const nodeCpus = nodeProcesses.map((meter) => meter.stop());
  const workerCpu = sum(workerCpus);
  const controlCpu = control.stop() + sum(nodeCpus);
  const loadCpu = process.cpuUsage(cpuBefore);
  const machineCpu = (100 * (machineBusyMs() - machineBefore)) / elapsedMs;
  lag.disable();
  gc.disconnect();
  const workerSplitAfter = workerSplit(workerPids);

  await sleep(GRACE_MS);

  const framesExpected = sum(streams.map((s) => s.source.windowFrames));
  const framesReceived = sum(streams.map((s) => s.windowFrames));
  const loadGeneratorCpu = (100 * (loadCpu.user + loadCpu.system)) / 1000 / elapsedMs;
  const userMs = workerSplitAfter.userMs - workerSplitBefore.userMs;
  const systemMs = workerSplitAfter.systemMs - workerSplitBefore.systemMs;
  return {
    seconds: elapsedMs / 1000,
    consumers: streams.length,
    silentConsumers,
    forwardedPacketsPerSecond: recorder.packets / (elapsedMs / 1000),
    framesExpected,
    framesReceived,
    loss: framesExpected > 0 ? Math.max(0, 1 - framesReceived / framesExpected) : Number.NaN,
    latencyMs: distribution(recorder.latencies),
    endToEndMs: distribution(recorder.endToEnd),
    workerCpu,
    workerSystemShare: userMs + systemMs > 0 ? systemMs / (userMs + systemMs) : Number.NaN,
    controlCpu,
    loadGeneratorCpu,
    otherCpu: Math.max(0, machineCpu - workerCpu - controlCpu - loadGeneratorCpu),
    loadGeneratorLagP99Ms: Math.max(0, lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS),
    loadGeneratorLagMaxMs: Math.max(0, lag.max / 1e6 - LAG_RESOLUTION_MS),
    loadGeneratorGcMaxMs: gcMaxMs,
    loadGeneratorQueueMaxBytes: queues.load,
    sfuQueueMaxBytes: queues.sfu,
    loadGeneratorDrops: udpDrops(loadPorts) - dropsBefore.load,
    sfuDrops: udpDrops(plane.mediaPorts) - dropsBefore.sfu,
    decryptFailures: sum(streams.map((s) => s.decryptFailures)) - decryptFailuresBefore,
    srtpFailures: srtpFailures(participants) - srtpFailuresBefore,
    skippedFrames: sum(sources.map((s) => s.skippedFrames)) - skippedBefore,
    ...(nodes && {
      nodes: nodes.map((node, i) => ({
        nodeId: node.nodeId,
        workerCpu: workerCpus[i] ?? Number.NaN,
        nodeCpu: nodeCpus[i] ?? Number.NaN,
      })),
    }),
  };
}

function workerSplit(pids: readonly number[]): { userMs: number; systemMs: number } {
  const splits = pids.map(cpuSplitMs);
  return { userMs: sum(splits.map((s) => s.userMs)), systemMs: sum(splits.map((s) => s.systemMs)) };
}

function srtpFailures(participants: readonly LoadParticipant[]): number {
  return sum(participants.map((p) => p.receiver.srtpFailures + p.srtcpFailures));
}

/**
 * Waiting for a shared machine to calm down, within a budget for the whole run: when other
 * jobs keep it busy for minutes, waiting before every window would only eat the run's time.
 */
export class QuietGate {
  readonly perWindowMs: number;
  #leftMs: number;

  constructor(totalMs: number, perWindowMs: number) {
    this.#leftMs = totalMs;
    this.perWindowMs = perWindowMs;
  }

  /** Waits (within budget) for processes other than `ours` to calm down; returns ms waited. */
  async wait(ours: readonly number[]): Promise<number> {
    const maxWaitMs = Math.min(this.perWindowMs, this.#leftMs);
    if (maxWaitMs <= 0) return 0;
    const waited = await waitForQuietMachine(ours, maxWaitMs);
    this.#leftMs -= waited;
    return waited;
  }
}

/** Other jobs may use this much of one core (%) before a window waits for them. */
const QUIET_OTHER_CPU = 30;

/**
 * On a shared machine, waits (up to `maxWaitMs`) until processes other than `ours` use less
 * than QUIET_OTHER_CPU % of a core over half a second, so a window does not start in the
 * middle of someone's test run. Returns how long it waited.
 */
export async function waitForQuietMachine(
  ours: readonly number[],
  maxWaitMs: number,
): Promise<number> {
  const startedAt = performance.now();
  for (;;) {
    const machineBefore = machineBusyMs();
    const oursBefore = sum(ours.map(cpuTimeNs)) / 1e6;
    const sampledAt = performance.now();
    await sleep(500);
    const elapsed = performance.now() - sampledAt;
    const others = machineBusyMs() - machineBefore - (sum(ours.map(cpuTimeNs)) / 1e6 - oursBefore);
    const waited = performance.now() - startedAt;
    if ((100 * others) / elapsed < QUIET_OTHER_CPU || waited >= maxWaitMs) return waited;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
