import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * How long one command may take before it fails, and how long a connection attempt may take.
 * The registry's heartbeat is 1 s and its records live 3 s: a command that waited longer than
 * a heartbeat would report a state that is already stale.
 */
const commandTimeoutMs = 1000;
const connectTimeoutMs = 2000;
/** Reconnection backoff: 50 ms, 100 ms, 200 ms … capped at 1 s, for ever. */
const maxReconnectDelayMs = 1000;

/** The most recent connection error of each client made by connectRedis, for error messages. */
const lastErrors = new WeakMap<Redis, () => string>();

/** Redis could not be reached (or did not answer) within the time allowed. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * Where a client connects, as host:port. The URL itself is never logged or shown: it may carry
 * a password (redis://:password@host:6379).
 */
export function redisAddress(redis: Redis): string {
  return `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
}

/**
 * A Redis client for the cluster registry. Commands fail fast while Redis is down instead of
 * waiting in ioredis's offline queue, so a caller never acts on a reply that arrives late and
 * a command the caller was told had failed is never replayed after the reconnect (an operator's
 * `undrain` that timed out must not take effect minutes later). The client reconnects for ever;
 * each loss and recovery is logged once.
 */
export function connectRedis(url: string, log: Logger): Redis {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol !== 'redis:' && parsed?.protocol !== 'rediss:') {
    // Not echoed: a mistyped URL may still hold a password.
    throw new TypeError('the Redis URL must start with redis:// or rediss://');
  }
  const redis = new Redis(url, {
    connectionName: 'skjerm',
    connectTimeout: connectTimeoutMs,
    // ioredis arms this timer on disconnect even when the socket is already closed, where
    // nothing clears it: its default (2 s) would hold a CLI's process open after it is done.
    disconnectTimeout: 200,
    commandTimeout: commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), maxReconnectDelayMs),
  });
  const address = redisAddress(redis);
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  let lastError = '';
  // Without a listener ioredis prints every failed attempt to stderr.
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('ready', () => {
    if (state === 'down') log.info({ redis: address }, 'Redis connection restored');
    else log.info({ redis: address }, 'connected to Redis');
    state = 'up';
  });
  // 'reconnecting' follows every lost connection or failed attempt, but not a deliberate close.
  redis.on('reconnecting', () => {
    if (state === 'down') return;
    log.warn(
      { redis: address, reason: lastError || 'connection closed' },
      state === 'up' ? 'Redis connection lost; reconnecting' : 'cannot reach Redis; retrying',
    );
    state = 'down';
  });
  lastErrors.set(redis, () => lastError);
  return redis;
}

/**
 * Resolves once the client is connected, or rejects with RedisUnavailableError after
 * `timeoutMs`. For callers that have nothing better to do than wait briefly at start-up; with
 * the offline queue off, a command sent before the first connection would fail at once.
 */
export async function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') {
    throw new RedisUnavailableError(`the client for ${redisAddress(redis)} is closed`);
  }
  // Not events.once: it would give up at the first failed attempt ('error'), and ioredis keeps
  // trying within the time allowed.
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
  if (!ready) {
    const reason = lastErrors.get(redis)?.() || `no answer within ${timeoutMs} ms`;
    throw new RedisUnavailableError(`cannot reach Redis at ${redisAddress(redis)}: ${reason}`);
  }
}

/** Closes the client: QUIT when connected (pending replies arrive first), else disconnect. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Lost while quitting: nothing left to flush.
    }
  }
  redis.disconnect(false);
}
