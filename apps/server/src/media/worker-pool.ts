import mediasoup, { type types as mediasoupTypes } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from '../lib/typed-emitter.ts';

export interface MediaWorker {
  /** Stable slot number: a replacement worker takes the dead one's slot. */
  readonly slot: number;
  readonly worker: mediasoupTypes.Worker;
  /** The worker's WebRtcServer: all its WebRTC media on one UDP and one TCP port. */
  readonly webRtcServer: mediasoupTypes.WebRtcServer | undefined;
}

/**
 * Where WebRTC media listens. Worker slot n uses port `portBase + n` for both UDP and TCP, so
 * a node needs exactly `workers` ports of each open in the firewall, and a replacement worker
 * takes over its predecessor's port.
 */
export interface WebRtcListenOptions {
  listenIp: string;
  /** Address put into ICE candidates when clients reach the node through NAT. */
  announcedIp?: string | undefined;
  portBase: number;
}

export type WorkerPoolEvents = {
  /** A worker process died; its routers are gone. The slot is being refilled. */
  workerdied: [slot: number, error: Error];
  /** A new worker took a dead one's slot. */
  workerreplaced: [MediaWorker];
  listenererror: [event: string, error: unknown];
};

export interface WorkerPoolOptions {
  size: number;
  log: Logger;
  /** Delay before replacing a dead worker, doubled per consecutive failure (ms). */
  respawnDelayMs?: number;
  /** Without it, workers get no WebRtcServer (tests of plain RTP forwarding). */
  webRtc?: WebRtcListenOptions | undefined;
}

/**
 * Owns the mediasoup worker processes: starts `size` of them, replaces any that dies, and
 * hands out the least-loaded one for a new router. Nothing else creates or closes workers.
 */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  readonly #slots: (MediaWorker | undefined)[];
  readonly #log: Logger;
  readonly #respawnDelayMs: number;
  readonly #routersPerSlot: number[];
  readonly #webRtc: WebRtcListenOptions | undefined;
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#slots = new Array(options.size).fill(undefined);
    this.#routersPerSlot = new Array(options.size).fill(0);
    this.#log = options.log;
    this.#respawnDelayMs = options.respawnDelayMs ?? 500;
    this.#webRtc = options.webRtc;
  }

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await Promise.all(pool.#slots.map((_, slot) => pool.#spawn(slot)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Workers currently alive, by slot. */
  get workers(): readonly MediaWorker[] {
    return this.#slots.filter((entry): entry is MediaWorker => entry !== undefined);
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The live worker in `slot`, if any. */
  worker(slot: number): MediaWorker | undefined {
    return this.#slots[slot];
  }

  /** Routers per slot (the load measure placement uses). */
  routerCounts(): readonly number[] {
    return [...this.#routersPerSlot];
  }

  /** Creates a router on the worker with the fewest routers. */
  async createRouter(mediaCodecs: mediasoupTypes.RtpCodecCapability[]): Promise<{
    router: mediasoupTypes.Router;
    slot: number;
    webRtcServer: mediasoupTypes.WebRtcServer | undefined;
  }> {
    const alive = this.workers;
    if (this.#closed || alive.length === 0) throw new Error('no mediasoup worker is running');
    const chosen = alive.reduce((best, candidate) =>
      (this.#routersPerSlot[candidate.slot] ?? 0) < (this.#routersPerSlot[best.slot] ?? 0)
        ? candidate
        : best,
    );
    const router = await chosen.worker.createRouter({ mediaCodecs });
    this.#routersPerSlot[chosen.slot] = (this.#routersPerSlot[chosen.slot] ?? 0) + 1;
    router.observer.once('close', () => {
      this.#routersPerSlot[chosen.slot] = Math.max(0, (this.#routersPerSlot[chosen.slot] ?? 1) - 1);
    });
    return { router, slot: chosen.slot, webRtcServer: chosen.webRtcServer };
  }

  /** Asks every worker for its resource usage: proves each process answers. */
  async probe(): Promise<{ slot: number; pid: number; cpuMs: number }[]> {
    return Promise.all(
      this.workers.map(async ({ slot, worker }) => {
        const usage = await worker.getResourceUsage();
        return { slot, pid: worker.pid, cpuMs: usage.ru_utime + usage.ru_stime };
      }),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#slots) entry?.worker.close();
    this.#slots.fill(undefined);
  }

  async #spawn(slot: number): Promise<void> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', appData: { slot } });
    if (this.#closed) {
      worker.close();
      return;
    }
    let webRtcServer: mediasoupTypes.WebRtcServer | undefined;
    if (this.#webRtc) {
      const { listenIp, announcedIp, portBase } = this.#webRtc;
      const port = portBase + slot;
      try {
        webRtcServer = await worker.createWebRtcServer({
          listenInfos: (['udp', 'tcp'] as const).map((protocol) => ({
            protocol,
            ip: listenIp,
            port,
            ...(announcedIp ? { announcedIp } : {}),
          })),
        });
      } catch (error) {
        worker.close();
        throw new Error(`cannot listen for WebRTC media on ${listenIp}:${port} (UDP and TCP)`, {
          cause: error,
        });
      }
    }
    const entry: MediaWorker = { slot, worker, webRtcServer };
    this.#slots[slot] = entry;
    this.#routersPerSlot[slot] = 0;
    this.#log.info({ slot, workerPid: worker.pid }, 'mediasoup worker started');
    worker.on('died', (error) => this.#onDied(entry, error));
  }

  #onDied(entry: MediaWorker, error: Error): void {
    if (this.#closed || this.#slots[entry.slot] !== entry) return;
    this.#slots[entry.slot] = undefined;
    this.#log.error(
      { slot: entry.slot, workerPid: entry.worker.pid, err: error },
      'mediasoup worker died',
    );
    this.safeEmit('workerdied', entry.slot, error);
    this.#respawn(entry.slot, 0);
  }

  /** Refills a slot, backing off while spawning keeps failing (e.g. the binary is gone). */
  #respawn(slot: number, failures: number): void {
    const delay = Math.min(this.#respawnDelayMs * 2 ** failures, 30_000);
    setTimeout(() => {
      if (this.#closed) return;
      this.#spawn(slot).then(
        () => {
          const replacement = this.#slots[slot];
          if (replacement) this.safeEmit('workerreplaced', replacement);
        },
        (spawnError: unknown) => {
          this.#log.error({ slot, err: spawnError }, 'cannot replace mediasoup worker');
          this.#respawn(slot, failures + 1);
        },
      );
    }, delay).unref();
  }
}
