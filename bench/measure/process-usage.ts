import { readdirSync, readFileSync } from 'node:fs';

/**
 * What the kernel knows about a process, read from /proc (Linux): CPU time, its user/kernel
 * split, resident memory and children; and per-socket UDP drops. The same counters getrusage()
 * and mediasoup's worker.getResourceUsage() report, readable for processes the load generator
 * did not start itself (the server's worker).
 */

/** CPU time of all the process's threads in nanoseconds (schedstat: time on a CPU). */
export function cpuTimeNs(pid: number): number {
  let total = 0;
  for (const task of safeReaddir(`/proc/${pid}/task`)) {
    const text = safeRead(`/proc/${pid}/task/${task}/schedstat`);
    if (text) total += Number(text.split(' ')[0]);
  }
  return total;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User and system CPU time in ms (ru_utime / ru_stime; 10 ms resolution). */
export function cpuSplitMs(pid: number): { userMs: number; systemMs: number } {
  const fields = statFields(pid);
  const ticksToMs = 1000 / CLOCK_TICKS_PER_SECOND;
  return {
    userMs: Number(fields[11] ?? 0) * ticksToMs,
    systemMs: Number(fields[12] ?? 0) * ticksToMs,
  };
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(safeRead(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Voluntary and involuntary context switches (ru_nvcsw, ru_nivcsw). */
export function contextSwitches(pid: number): { voluntary: number; involuntary: number } {
  const status = safeRead(`/proc/${pid}/status`) ?? '';
  const read = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    voluntary: read('voluntary_ctxt_switches'),
    involuntary: read('nonvoluntary_ctxt_switches'),
  };
}

/** Pids whose parent is `pid`. */
export function childPids(pid: number): number[] {
  return safeReaddir('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((candidate) => Number(statFields(candidate)[1]) === pid);
}

/** The executable's name as the kernel shows it (first 15 characters). */
export function commandOf(pid: number): string {
  return (safeRead(`/proc/${pid}/comm`) ?? '').trim();
}

/** Fields of /proc/pid/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function statFields(pid: number): string[] {
  const text = safeRead(`/proc/${pid}/stat`) ?? '';
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * The fullest receive queue (bytes the kernel holds for the application, rx_queue in
 * /proc/net/udp) among the UDP sockets bound to any of `ports`: where packets wait when their
 * reader falls behind.
 */
export function udpQueueMaxBytes(ports: ReadonlySet<number>): number {
  let max = 0;
  const lines = (safeRead('/proc/net/udp') ?? '').split('\n').slice(1);
  for (const line of lines) {
    const columns = line.trim().split(/\s+/);
    const port = Number.parseInt(columns[1]?.split(':')[1] ?? '', 16);
    if (!ports.has(port)) continue;
    max = Math.max(max, Number.parseInt(columns[4]?.split(':')[1] ?? '0', 16));
  }
  return max;
}

/**
 * Datagrams the kernel dropped (receive buffer full) on the UDP sockets bound to any of
 * `ports`, from /proc/net/udp's per-socket `drops` column.
 */
export function udpDrops(ports: ReadonlySet<number>): number {
  let drops = 0;
  const lines = (safeRead('/proc/net/udp') ?? '').split('\n').slice(1);
  for (const line of lines) {
    const columns = line.trim().split(/\s+/);
    const local = columns[1];
    if (!local) continue;
    const port = Number.parseInt(local.split(':')[1] ?? '', 16);
    if (ports.has(port)) drops += Number(columns[columns.length - 1] ?? 0);
  }
  return drops;
}

/** CPU time all cores spent busy since boot, in ms (/proc/stat; idle and iowait excluded). */
export function machineBusyMs(): number {
  const fields = (safeRead('/proc/stat') ?? '').split('\n')[0]?.trim().split(/\s+/).slice(1) ?? [];
  const ticks = fields.map(Number);
  const total = ticks.slice(0, 8).reduce((sum, n) => sum + n, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A CPU meter over an interval: percent of one core used by `pid` between start and stop. */
export class CpuMeter {
  readonly #pid: number;
  #startNs = 0;
  #startWall = 0;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    this.#startNs = cpuTimeNs(this.#pid);
    this.#startWall = performance.now();
  }

  /** Percent of one core since start(). */
  stop(): number {
    const wallMs = performance.now() - this.#startWall;
    const cpuMs = (cpuTimeNs(this.#pid) - this.#startNs) / 1e6;
    return wallMs > 0 ? (100 * cpuMs) / wallMs : Number.NaN;
  }
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
