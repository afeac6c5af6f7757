import { createHash } from 'node:crypto';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConsultationSnapshot } from '../consultations/consultation-snapshot.ts';

/**
 * The live state signaling nodes share through Redis: which node holds each live
 * consultation (a lease the holder renews), the consultation's state (so another node can
 * take it over when its holder dies), and where each session's place is (so a client that
 * reconnects to any node can resume). Nothing here is needed by a single node: when Redis is
 * away, each node goes on with what it holds.
 */

const OWNER_PREFIX = 'skjerm:owner:';
const STATE_PREFIX = 'skjerm:consultation:';
const RESUME_PREFIX = 'skjerm:resume:';

/**
 * A holder that stops renewing loses a consultation this long after its last renewal; only
 * then may another node take it over. A holder that finds its lease taken gives the
 * consultation up (see onLost), so two nodes never go on holding one.
 */
export const OWNER_LEASE_MS = 5000;
const RENEW_INTERVAL_MS = 1000;
/** A session can be resumed within this (an expired token's limit, see handlers.ts). */
const RESUME_RECORD_MS = 12 * 3600_000;
/** State of a consultation nobody renews (every node holding it died) is dropped after this. */
const STATE_TTL_MS = 24 * 3600_000;

/**
 * Claims a consultation that is ours (renewal) or free; returns its holder, or '' for "not
 * yet". A free lease may be taken only once Redis has been up longer than a lease (KEYS[2],
 * the epoch, is when this Redis first saw a claim or a node): a Redis that came back empty
 * has lost every lease, and their holders (ARGV[4] = '1': this node held it) get that long
 * to claim theirs again first.
 */
const CLAIM_SCRIPT = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return owner
end
if owner then return owner end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  redis.call('SET', KEYS[2], now)
  return ''
end
if now - tonumber(epoch) < tonumber(ARGV[3]) then return '' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

/** Notes when this Redis first saw a node (see CLAIM_SCRIPT); kept if already set. */
const EPOCH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local time = redis.call('TIME')
redis.call('SET', KEYS[1], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
return 1`;

/** Gives a lease up (not the state: another node takes the consultation over from it). */
const RELEASE_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const EPOCH_KEY = 'skjerm:epoch';

/** Deletes the lease and the state only if the lease is still ours. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Writes a value only while this node holds the consultation (KEYS[1] the lease, KEYS[2] the
 * value): a node that lost the lease (stalled, cut off) cannot overwrite its successor's state.
 */
const FENCED_SET_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`;

/** A resume token is a secret: Redis holds only its hash. */
function resumeKey(token: string): string {
  return RESUME_PREFIX + createHash('sha256').update(token).digest('base64url');
}

export const ResumeRecord = Type.Object({
  nodeId: Type.String({ minLength: 1, maxLength: 64 }),
  consultationId: Type.String({ minLength: 1, maxLength: 128 }),
  participantId: Type.Optional(Type.String({ maxLength: 64 })),
  waitingId: Type.Optional(Type.String({ maxLength: 64 })),
  issuer: Type.String({ maxLength: 2048 }),
  subject: Type.String({ maxLength: 1024 }),
  authenticatedAt: Type.String({ maxLength: 64 }),
});
export type ResumeRecord = Static<typeof ResumeRecord>;

export class SharedState {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #log: Logger;
  readonly #held = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  readonly #onLost: (consultationId: string) => void;
  #renewing = false;
  readonly #isLive: (consultationId: string) => boolean;
  /** Leases claimed for a consultation that did not become live here (seen at a renewal). */
  readonly #idle = new Set<string>();

  /**
   * `onLost`: another node now holds a consultation this one held; this one must let go.
   * `isLive`: whether a consultation is live (or opening) here; a lease for one that is not
   * is given back.
   */
  constructor(options: {
    redis: Redis;
    nodeId: string;
    log: Logger;
    onLost: (consultationId: string) => void;
    isLive: (consultationId: string) => boolean;
  }) {
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    this.#log = options.log.child({ component: 'shared-state' });
    this.#onLost = options.onLost;
    this.#isLive = options.isLive;
    this.#timer = setInterval(() => {
      this.#renew().catch((error: unknown) => this.#log.error({ err: error }, 'renewal failed'));
    }, RENEW_INTERVAL_MS);
    this.#timer.unref();
  }

  /**
   * The node holding a consultation after claiming it; '' when it is free but may not be
   * taken yet (Redis came back empty less than a lease ago); undefined if Redis cannot say.
   */
  async claim(consultationId: string): Promise<string | undefined> {
    try {
      const owner = String(
        await this.#redis.eval(
          CLAIM_SCRIPT,
          2,
          OWNER_PREFIX + consultationId,
          EPOCH_KEY,
          this.nodeId,
          OWNER_LEASE_MS,
          OWNER_LEASE_MS + 1000,
          this.#held.has(consultationId) ? '1' : '0',
        ),
      );
      if (owner === this.nodeId) this.#held.add(consultationId);
      return owner;
    } catch {
      return undefined;
    }
  }

  /** This node is up with this Redis: the epoch claims are measured from (see CLAIM_SCRIPT). */
  async markEpoch(): Promise<void> {
    await this.#redis.eval(EPOCH_SCRIPT, 1, EPOCH_KEY).catch(() => undefined);
  }

  /**
   * This node stops (a rolling restart): its leases go at once, so the nodes its clients
   * resume on take the consultations over without waiting for the leases to run out.
   */
  async giveUpLeases(): Promise<void> {
    const held = [...this.#held];
    this.#held.clear();
    await Promise.all(
      held.map((id) =>
        this.#redis
          .eval(RELEASE_LEASE_SCRIPT, 1, OWNER_PREFIX + id, this.nodeId)
          .catch(() => undefined),
      ),
    );
  }

  /** The consultation is no longer live here: its lease and state go. */
  release(consultationId: string): void {
    this.#held.delete(consultationId);
    this.#redis
      .eval(
        RELEASE_SCRIPT,
        2,
        OWNER_PREFIX + consultationId,
        STATE_PREFIX + consultationId,
        this.nodeId,
      )
      .catch(() => undefined);
  }

  /** This node lets go of a consultation another node took over; the state is the other's. */
  abandon(consultationId: string): void {
    this.#held.delete(consultationId);
  }

  saveState(consultationId: string, state: ConsultationSnapshot): void {
    this.#fencedSet(
      consultationId,
      STATE_PREFIX + consultationId,
      JSON.stringify(state),
      STATE_TTL_MS,
    );
  }

  async loadState(consultationId: string): Promise<ConsultationSnapshot | undefined> {
    return this.#read(STATE_PREFIX + consultationId, ConsultationSnapshot);
  }

  saveResume(token: string, record: ResumeRecord): void {
    this.#fencedSet(
      record.consultationId,
      resumeKey(token),
      JSON.stringify(record),
      RESUME_RECORD_MS,
    );
  }

  deleteResume(token: string): void {
    this.#redis.del(resumeKey(token)).catch(() => undefined);
  }

  async loadResume(token: string): Promise<ResumeRecord | undefined> {
    return this.#read(resumeKey(token), ResumeRecord);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #fencedSet(consultationId: string, key: string, value: string, ttlMs: number): void {
    this.#redis
      .eval(FENCED_SET_SCRIPT, 2, OWNER_PREFIX + consultationId, key, this.nodeId, value, ttlMs)
      .catch((error: unknown) =>
        this.#log.warn(
          { consultationId, reason: String(error) },
          'cannot share consultation state',
        ),
      );
  }

  async #read<T extends TSchema>(key: string, schema: T): Promise<Static<T> | undefined> {
    let text: string | null;
    try {
      text = await this.#redis.get(key);
    } catch {
      return undefined;
    }
    if (text === null) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      if (Value.Check(schema, value)) return value as Static<T>;
    } catch {
      // reported below
    }
    this.#log.warn({ key: key.split(':').slice(0, 2).join(':') }, 'malformed shared state skipped');
    return undefined;
  }

  async #renew(): Promise<void> {
    // A slow Redis must not stack renewals.
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      for (const consultationId of [...this.#held]) {
        // Released meanwhile (the consultation closed): claiming it again would revive it.
        if (!this.#held.has(consultationId)) continue;
        if (!this.#isLive(consultationId)) {
          // Claimed for a join or resume that did not open it here: give it back (after a
          // second look, as the opening may be under way).
          if (this.#idle.has(consultationId)) {
            this.#idle.delete(consultationId);
            this.#held.delete(consultationId);
            await this.#redis
              .eval(RELEASE_LEASE_SCRIPT, 1, OWNER_PREFIX + consultationId, this.nodeId)
              .catch(() => undefined);
            continue;
          }
          this.#idle.add(consultationId);
        } else {
          this.#idle.delete(consultationId);
        }
        const owner = await this.claim(consultationId);
        if (!this.#held.has(consultationId)) continue;
        if (owner !== undefined && owner !== '' && owner !== this.nodeId) {
          // This node stalled or was cut off past its lease, and another took over.
          this.#log.warn(
            { consultationId, owner },
            'lost a consultation to another signaling node',
          );
          this.#held.delete(consultationId);
          try {
            this.#onLost(consultationId);
          } catch (error) {
            this.#log.error({ err: error, consultationId }, 'cannot let go of a consultation');
          }
        }
      }
    } finally {
      this.#renewing = false;
    }
  }
}
