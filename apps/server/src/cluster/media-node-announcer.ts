import { Value } from '@sinclair/typebox/value';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  drainKey,
  type MediaNodeLoad,
  MediaNodeRecord,
  MOVE_PREFIX,
  mediaNodeKey,
} from './media-registry.ts';
import { waitUntilReady } from './redis-client.ts';

export interface MediaNodeAnnouncerOptions {
  redis: Redis;
  log: Logger;
  nodeId: string;
  /** Where signaling nodes reach this node's media RPC. */
  rpcUrl: string;
  /** The most participants this node will host. */
  capacity: number;
  load: () => MediaNodeLoad | Promise<MediaNodeLoad>;
  /** Called once when an operator drains the node with `move` (see setDraining). */
  onMoveAway?: () => void;
  /** Heartbeat period; 1000 ms. */
  intervalMs?: number;
  /** How long a record lives without a heartbeat; 3000 ms. */
  ttlMs?: number;
}

/** A media node's heartbeat: its record, with the current load, rewritten every interval. */
export class MediaNodeAnnouncer {
  readonly #redis: Redis;
  readonly #log: Logger;
  readonly #key: string;
  readonly #drainKey: string;
  readonly #describe: Omit<MediaNodeRecord, 'load'>;
  readonly #load: MediaNodeAnnouncerOptions['load'];
  readonly #intervalMs: number;
  readonly #ttlMs: number;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #started = false;
  #stopped = false;
  #draining = false;
  readonly #onMoveAway: (() => void) | undefined;
  #movedAway = false;
  /** Outcome of the last heartbeat, to log each change once. */
  #announced: boolean | undefined;

  constructor(options: MediaNodeAnnouncerOptions) {
    this.#redis = options.redis;
    this.#key = mediaNodeKey(options.nodeId);
    this.#drainKey = drainKey(options.nodeId);
    this.#describe = { nodeId: options.nodeId, rpcUrl: options.rpcUrl, capacity: options.capacity };
    this.#load = options.load;
    this.#onMoveAway = options.onMoveAway;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#ttlMs = options.ttlMs ?? 3000;
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, not ${options.capacity}`);
    }
    // A record that expires before the next heartbeat would make the node blink in and out.
    if (!(this.#intervalMs > 0 && this.#ttlMs > this.#intervalMs)) {
      throw new RangeError(`ttlMs (${this.#ttlMs}) must exceed intervalMs (${this.#intervalMs})`);
    }
    this.#log = options.log.child({ component: 'media-announcer', nodeId: options.nodeId });
  }

  /** The operator's drain flag, as read from Redis at the last heartbeat that reached it. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Announces the node at once, then every interval. Never throws because Redis is down: the
   * heartbeat keeps trying, and rewrites the record once Redis is back (even if it came back
   * empty).
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    // Only the first heartbeat waits for the connection; later ones fail fast and retry.
    await waitUntilReady(this.#redis, this.#intervalMs).catch(() => {});
    this.#beat();
    await this.#beating;
  }

  /** Stops the heartbeat and deletes the record (best effort: it expires anyway). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#beating;
    if (this.#redis.status !== 'ready') return;
    try {
      await this.#redis.del(this.#key);
    } catch (error) {
      this.#log.debug({ reason: errorMessage(error) }, 'could not delete the media node record');
    }
  }

  #beat(): void {
    if (this.#stopped) return;
    const began = Date.now();
    this.#beating = this.#announce().finally(() => {
      this.#beating = undefined;
      if (this.#stopped) return;
      // Period measured from the start of each beat, so a slow Redis does not stretch it.
      const delay = Math.max(0, this.#intervalMs - (Date.now() - began));
      this.#timer = setTimeout(() => this.#beat(), delay);
      this.#timer.unref();
    });
  }

  async #announce(): Promise<void> {
    let record: MediaNodeRecord;
    try {
      const { workers, rooms, participants, consumers, cpu } = await this.#load();
      record = { ...this.#describe, load: { workers, rooms, participants, consumers, cpu } };
    } catch (error) {
      this.#log.error({ reason: errorMessage(error) }, 'cannot read the media node load');
      return;
    }
    if (!Value.Check(MediaNodeRecord, record)) {
      const problem = Value.Errors(MediaNodeRecord, record).First();
      this.#log.error(
        { path: problem?.path, problem: problem?.message },
        'invalid media node load',
      );
      return;
    }
    let drainedAt: string | null;
    try {
      const results = await this.#redis
        .pipeline()
        .set(this.#key, JSON.stringify(record), 'PX', this.#ttlMs)
        .get(this.#drainKey)
        .exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (failed || !results) throw failed ?? new Error('pipeline discarded');
      drainedAt = results[1]?.[1] as string | null;
    } catch (error) {
      if (this.#announced !== false) {
        this.#log.warn(
          { reason: errorMessage(error) },
          'cannot announce this media node to Redis; retrying every heartbeat',
        );
      }
      this.#announced = false;
      return;
    }
    if (this.#announced !== true) {
      this.#log.info(
        { capacity: record.capacity },
        this.#announced === false ? 'media node announced again' : 'media node announced',
      );
    }
    this.#announced = true;
    const draining = drainedAt !== null;
    if (draining !== this.#draining) {
      this.#log.info(
        draining
          ? 'media node draining: no new consultations are placed here'
          : 'media node no longer draining',
      );
    }
    this.#draining = draining;
    const moveAway = draining && drainedAt?.startsWith(MOVE_PREFIX) === true;
    if (moveAway && !this.#movedAway) {
      this.#log.info("moving this media node's consultations to other nodes");
      this.#onMoveAway?.();
    }
    this.#movedAway = moveAway;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
