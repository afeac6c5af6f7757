/**
 * The media node registry in Redis, for scale-out: each media node announces itself with its
 * load every second under a key that expires after three, so a node that stops (crash, power,
 * partition from Redis) drops out of placement within the TTL without anyone cleaning up.
 * Signaling nodes read the registry to place consultations; an operator drains a node through
 * a separate flag without a TTL, so the intent survives the node restarting.
 *
 *   skjerm:media:node:<nodeId>   JSON MediaNodeRecord, PX ttlMs, rewritten every heartbeat
 *   skjerm:media:drain:<nodeId>  when the operator drained it (ISO time, 'move ' first when
 *                                its consultations are to move away); no TTL
 *
 * The heartbeat itself: media-node-announcer.ts.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { waitUntilReady } from './redis-client.ts';

const nodeKeyPrefix = 'skjerm:media:node:';
const drainKeyPrefix = 'skjerm:media:drain:';

/** No ':' or glob characters: a node id is a key suffix and is matched with SCAN patterns. */
const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const Count = Type.Integer({ minimum: 0 });

export const MediaNodeLoad = Type.Object({
  workers: Count,
  rooms: Count,
  participants: Count,
  consumers: Count,
  /** CPU used by the node's mediasoup workers, in cores (0.4 = 40 % of one core). */
  cpu: Type.Number({ minimum: 0 }),
});
export type MediaNodeLoad = Static<typeof MediaNodeLoad>;

/** What a node writes about itself. Unknown fields are allowed: nodes are upgraded one by one. */
export const MediaNodeRecord = Type.Object({
  nodeId: Type.String({ pattern: nodeIdPattern.source }),
  rpcUrl: Type.String({ minLength: 1, maxLength: 2048 }),
  /** The most participants the node will host. */
  capacity: Type.Integer({ minimum: 1 }),
  load: MediaNodeLoad,
});
export type MediaNodeRecord = Static<typeof MediaNodeRecord>;

export interface MediaNodeInfo extends MediaNodeRecord {
  /** An operator drained it: no new consultations are placed there. */
  draining: boolean;
}

export function mediaNodeKey(nodeId: string): string {
  return nodeKeyPrefix + checkedNodeId(nodeId);
}

export function drainKey(nodeId: string): string {
  return drainKeyPrefix + checkedNodeId(nodeId);
}

function checkedNodeId(nodeId: string): string {
  if (!nodeIdPattern.test(nodeId)) {
    throw new RangeError(
      `media node id ${JSON.stringify(nodeId)} must be 1-64 letters, digits, '.', '_' or '-'`,
    );
  }
  return nodeId;
}

/**
 * Least-loaded node that is neither draining nor full nor excluded; nodes in `prefer` (already
 * hosting this consultation) win while they have room, so a consultation stays on one node
 * and its media is not piped between nodes.
 */
export function pickMediaNode(
  nodes: readonly MediaNodeInfo[],
  options: { prefer?: readonly string[]; exclude?: ReadonlySet<string> } = {},
): MediaNodeInfo | undefined {
  const open = nodes.filter(
    (node) =>
      !node.draining &&
      node.load.participants < node.capacity &&
      !options.exclude?.has(node.nodeId),
  );
  const preferred = open.filter((node) => options.prefer?.includes(node.nodeId));
  return leastLoaded(preferred.length > 0 ? preferred : open);
}

function leastLoaded(nodes: readonly MediaNodeInfo[]): MediaNodeInfo | undefined {
  let best: MediaNodeInfo | undefined;
  for (const node of nodes) if (!best || compareLoad(node, best) < 0) best = node;
  return best;
}

/** Fill ratio first (cross-multiplied: exact for integers), then CPU, then id for a stable order. */
function compareLoad(a: MediaNodeInfo, b: MediaNodeInfo): number {
  const fill = a.load.participants * b.capacity - b.load.participants * a.capacity;
  if (fill !== 0) return fill;
  if (a.load.cpu !== b.load.cpu) return a.load.cpu - b.load.cpu;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/**
 * Sets or clears an operator's drain flag. It outlives the node's record on purpose. With
 * `move`, the node also moves the consultations it carries to other nodes (their clients
 * start their media over there) instead of letting them finish.
 */
export async function setDraining(
  redis: Redis,
  nodeId: string,
  draining: boolean,
  move = false,
): Promise<void> {
  if (draining)
    await redis.set(drainKey(nodeId), `${move ? MOVE_PREFIX : ''}${new Date().toISOString()}`);
  else await redis.del(drainKey(nodeId));
}

/** A drain flag that starts with this asks the node to move its consultations away. */
export const MOVE_PREFIX = 'move ';

/** Ids of every node with a drain flag, running or not. */
export async function drainingNodeIds(redis: Redis): Promise<string[]> {
  const keys = await scanKeys(redis, drainKeyPrefix);
  return keys.map((key) => key.slice(drainKeyPrefix.length)).sort();
}

/** A record in Redis that is not a MediaNodeRecord. */
export interface MalformedRecord {
  key: string;
  raw: string;
  problem: string;
}

/**
 * Reads the live nodes, sorted by id. Throws when Redis cannot be reached; a malformed record
 * is skipped and passed to `onMalformed`.
 */
export async function readMediaNodes(
  redis: Redis,
  onMalformed: (record: MalformedRecord) => void,
): Promise<MediaNodeInfo[]> {
  const keys = await scanKeys(redis, nodeKeyPrefix);
  if (keys.length === 0) return [];
  const ids = keys.map((key) => key.slice(nodeKeyPrefix.length));
  const [records, drains] = await Promise.all([
    redis.mget(keys),
    redis.mget(ids.map((id) => drainKeyPrefix + id)),
  ]);
  const nodes: MediaNodeInfo[] = [];
  keys.forEach((key, index) => {
    const raw = records[index];
    // Gone between SCAN and MGET (expired), or not a string.
    if (raw === null || raw === undefined) return;
    const parsed = parseRecord(ids[index] ?? '', raw);
    if (typeof parsed === 'string') {
      onMalformed({ key, raw, problem: parsed });
      return;
    }
    const { nodeId, rpcUrl, capacity, load } = parsed;
    const { workers, rooms, participants, consumers, cpu } = load;
    nodes.push({
      nodeId,
      rpcUrl,
      capacity,
      load: { workers, rooms, participants, consumers, cpu },
      draining: drains[index] !== null && drains[index] !== undefined,
    });
  });
  return nodes.sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
}

/** The record, or what is wrong with it. */
function parseRecord(idFromKey: string, raw: string): MediaNodeRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (!Value.Check(MediaNodeRecord, value)) {
    const error = Value.Errors(MediaNodeRecord, value).First();
    return `${error?.path || '/'}: ${error?.message ?? 'invalid'}`;
  }
  if (value.nodeId !== idFromKey) return `nodeId ${value.nodeId} differs from the key's`;
  return value;
}

/** SCAN rather than KEYS: KEYS blocks Redis for every other client while it walks the keyspace. */
async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}

/** A signaling node's view of the media nodes. */
export class MediaNodeDirectory {
  /** How long the first list() waits for Redis when it has no earlier list to fall back on. */
  static readonly firstReadWaitMs = 2000;

  readonly #redis: Redis;
  readonly #log: Logger;
  #lastKnown: MediaNodeInfo[] | undefined;
  #readable = true;
  /** Malformed records already logged, with their content, so each is logged once. */
  #reported = new Map<string, string>();

  constructor(options: { redis: Redis; log: Logger }) {
    this.#redis = options.redis;
    this.#log = options.log.child({ component: 'media-directory' });
  }

  /**
   * The live nodes (record present = heartbeat within the TTL). When Redis cannot be reached,
   * the last list read, so that consultations keep being placed on the nodes known to exist
   * (placement then fails on a dead one and the caller excludes it).
   */
  async list(): Promise<MediaNodeInfo[]> {
    if (this.#lastKnown === undefined) {
      await waitUntilReady(this.#redis, MediaNodeDirectory.firstReadWaitMs).catch(() => {});
    }
    const malformed = new Map<string, string>();
    try {
      const nodes = await readMediaNodes(this.#redis, (record) => {
        malformed.set(record.key, record.raw);
        if (this.#reported.get(record.key) === record.raw) return;
        this.#log.warn(
          { key: record.key, problem: record.problem },
          'skipping a malformed media node record in Redis',
        );
      });
      this.#reported = malformed;
      if (!this.#readable) this.#log.info('media node registry readable again');
      this.#readable = true;
      this.#lastKnown = nodes;
    } catch (error) {
      if (this.#readable) {
        this.#log.warn(
          { reason: error instanceof Error ? error.message : String(error) },
          'cannot read the media node registry from Redis; using the last list read',
        );
      }
      this.#readable = false;
    }
    return [...(this.#lastKnown ?? [])];
  }
}
