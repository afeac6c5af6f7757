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
const PRESENCE_PREFIX = 'skjerm:signaling:';

/** A holder that stops renewing loses a consultation this long after its last renewal. */
const OWNER_LEASE_MS = 6000;
const RENEW_INTERVAL_MS = 2000;
/** A session can be resumed within this (an expired token's limit, see handlers.ts). */
const RESUME_RECORD_MS = 12 * 3600_000;
/** State of a consultation nobody renews (every node holding it died) is dropped after this. */
const STATE_TTL_MS = 24 * 3600_000;

/**
 * Claims a consultation: free, already ours, or its holder's presence is gone (the node
 * died). Returns the holder after the call.
 */
const CLAIM_SCRIPT = `
local owner = redis.call('GET', KEYS[1])
if (not owner) or owner == ARGV[1] or redis.call('EXISTS', ARGV[3] .. owner) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return owner`;

/** Deletes the lease only if it is still ours. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

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

  constructor(options: { redis: Redis; nodeId: string; log: Logger }) {
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    this.#log = options.log.child({ component: 'shared-state' });
    this.#timer = setInterval(() => void this.#renew(), RENEW_INTERVAL_MS);
    this.#timer.unref();
  }

  /** The node holding a consultation after claiming it; undefined if Redis cannot say. */
  async claim(consultationId: string): Promise<string | undefined> {
    try {
      const owner = String(
        await this.#redis.eval(
          CLAIM_SCRIPT,
          1,
          OWNER_PREFIX + consultationId,
          this.nodeId,
          OWNER_LEASE_MS,
          PRESENCE_PREFIX,
        ),
      );
      if (owner === this.nodeId) this.#held.add(consultationId);
      return owner;
    } catch {
      return undefined;
    }
  }

  /** The consultation is no longer live here: its lease and state go. */
  release(consultationId: string): void {
    this.#held.delete(consultationId);
    this.#redis
      .eval(RELEASE_SCRIPT, 1, OWNER_PREFIX + consultationId, this.nodeId)
      .then(() => this.#redis.del(STATE_PREFIX + consultationId))
      .catch(() => undefined);
  }

  saveState(consultationId: string, state: ConsultationSnapshot): void {
    this.#redis
      .set(STATE_PREFIX + consultationId, JSON.stringify(state), 'PX', STATE_TTL_MS)
      .catch((error: unknown) =>
        this.#log.warn(
          { consultationId, reason: String(error) },
          'cannot share consultation state',
        ),
      );
  }

  async loadState(consultationId: string): Promise<ConsultationSnapshot | undefined> {
    return this.#read(STATE_PREFIX + consultationId, ConsultationSnapshot);
  }

  saveResume(token: string, record: ResumeRecord): void {
    this.#redis
      .set(RESUME_PREFIX + token, JSON.stringify(record), 'PX', RESUME_RECORD_MS)
      .catch(() => undefined);
  }

  deleteResume(token: string): void {
    this.#redis.del(RESUME_PREFIX + token).catch(() => undefined);
  }

  async loadResume(token: string): Promise<ResumeRecord | undefined> {
    return this.#read(RESUME_PREFIX + token, ResumeRecord);
  }

  close(): void {
    clearInterval(this.#timer);
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
    for (const consultationId of this.#held) {
      const owner = await this.claim(consultationId);
      if (owner !== undefined && owner !== this.nodeId) {
        // Should not happen (we renew well within the lease); if it does, say so loudly.
        this.#log.error(
          { consultationId, owner },
          'another signaling node took a consultation held here',
        );
        this.#held.delete(consultationId);
      }
    }
  }
}
