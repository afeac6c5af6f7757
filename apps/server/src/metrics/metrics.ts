import { Counter, Gauge, Registry } from 'prom-client';
import type { WorkerPool } from '../media/worker-pool.ts';

/** What the metrics read on each scrape; owned elsewhere, only observed here. */
export interface MediaCensus {
  rooms(): number;
  /** Transports, producers and consumers summed over rooms. */
  counts(): { transports: number; producers: number; consumers: number };
  /** Current bitrates summed over all transports (bits per second), per direction. */
  bitrates(): Promise<{ recv: number; send: number }>;
}

/**
 * Prometheus metrics of one node. Gauges are computed when scraped (nothing is counted on the
 * media path); counters are bumped where the event happens.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly rejectedProducers: Counter<'reason'>;
  readonly authFailures: Counter<'code'>;
  readonly signalingErrors: Counter<'code'>;
  readonly sessions: Gauge;

  /** `pool`: undefined on a signaling node (its media workers run on media nodes). */
  constructor(pool: WorkerPool | undefined, census: MediaCensus) {
    const registers = [this.registry];
    this.rejectedProducers = new Counter({
      name: 'skjerm_rejected_producers_total',
      help: 'Producers closed because their frames were not SFrame with announced KIDs.',
      labelNames: ['reason'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'skjerm_auth_failures_total',
      help: 'Refused tokens, by verifier code.',
      labelNames: ['code'],
      registers,
    });
    this.signalingErrors = new Counter({
      name: 'skjerm_signaling_errors_total',
      help: 'Error responses sent to clients, by protocol code.',
      labelNames: ['code'],
      registers,
    });
    this.sessions = new Gauge({
      name: 'skjerm_signaling_sessions',
      help: 'Open signaling connections.',
      registers,
    });
    new Gauge({
      name: 'skjerm_media_workers',
      help: 'mediasoup workers alive.',
      registers,
      collect() {
        this.set(pool?.workers.length ?? 0);
      },
    });
    new Gauge({
      name: 'skjerm_worker_cpu_seconds_total',
      help: 'CPU time used by each mediasoup worker process (user + system).',
      labelNames: ['slot'],
      registers,
      async collect() {
        this.reset();
        for (const { slot, cpuMs } of (await pool?.probe().catch(() => [])) ?? []) {
          this.set({ slot: String(slot) }, cpuMs / 1000);
        }
      },
    });
    new Gauge({
      name: 'skjerm_rooms',
      help: 'Consultations with a media room on this node.',
      registers,
      collect() {
        this.set(census.rooms());
      },
    });
    for (const kind of ['transports', 'producers', 'consumers'] as const) {
      new Gauge({
        name: `skjerm_${kind}`,
        help: `mediasoup ${kind} on this node.`,
        registers,
        collect() {
          this.set(census.counts()[kind]);
        },
      });
    }
    new Gauge({
      name: 'skjerm_bitrate_bits_per_second',
      help: 'Media bitrate summed over transports, by direction seen from the server.',
      labelNames: ['direction'],
      registers,
      async collect() {
        const { recv, send } = await census.bitrates();
        this.set({ direction: 'recv' }, recv);
        this.set({ direction: 'send' }, send);
      },
    });
  }
}
