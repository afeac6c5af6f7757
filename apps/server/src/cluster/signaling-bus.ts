import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { waitUntilReady } from './redis-client.ts';

/**
 * What signaling nodes say to each other through Redis pub/sub, each node on its own
 * channel. A "link" is one client connection whose session runs on another node than the
 * one the client is connected to: the edge (client's node) relays the client's frames to the
 * owner (the node that holds the consultation) and the owner's frames back.
 */
const LinkId = Type.String({ minLength: 1, maxLength: 64 });
const NodeId = Type.String({ minLength: 1, maxLength: 64 });
/** Protocol frames are at most 64 KiB; a few times that for the JSON around them. */
const Frame = Type.String({ maxLength: 512 * 1024 });

export const BusMessage = Type.Union([
  /** Edge → owner: run this connection's session here, starting with these frames. */
  Type.Object({
    type: Type.Literal('adopt'),
    link: LinkId,
    edge: NodeId,
    frames: Type.Array(Frame, { minItems: 1, maxItems: 2 }),
    /** How many hand-overs the connection has had; a second one is refused (no loops). */
    hops: Type.Integer({ minimum: 1, maximum: 8 }),
    /** The resume token the edge already gave the client (join hand-over), if any. */
    resumeToken: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  }),
  /** Either way: one frame of the link's connection (`from`: the sending node). */
  Type.Object({ type: Type.Literal('frame'), link: LinkId, from: NodeId, data: Frame }),
  /** Owner → edge: close the client's connection. */
  Type.Object({
    type: Type.Literal('close'),
    link: LinkId,
    code: Type.Integer({ minimum: 1000, maximum: 4999 }),
    reason: Type.String({ maxLength: 123 }),
  }),
  /** Owner → edge: is the client still connected? (Edge → owner: pong, or closed.) */
  Type.Object({ type: Type.Literal('ping'), link: LinkId, from: NodeId }),
  Type.Object({ type: Type.Literal('pong'), link: LinkId }),
  /** Edge → owner: the client's connection closed. */
  Type.Object({
    type: Type.Literal('closed'),
    link: LinkId,
    code: Type.Integer({ minimum: 0, maximum: 4999 }),
  }),
]);
export type BusMessage = Static<typeof BusMessage>;

export type SendOutcome = 'sent' | 'no-receiver' | 'unavailable';

export type SignalingBusEvents = {
  message: [message: BusMessage];
  /** Redis is back after being away (it may have come back empty). */
  reconnected: [];
  listenererror: [event: string, error: unknown];
};

const PRESENCE_PREFIX = 'skjerm:signaling:';
const CHANNEL_PREFIX = 'skjerm:to:';
const PRESENCE_INTERVAL_MS = 1000;
const PRESENCE_TTL_MS = 3000;

/**
 * A signaling node's place among the others: its presence in Redis (refreshed every second,
 * gone 3 s after the node stops), its own pub/sub channel, and messages to other nodes'.
 * Redis being away stops messages between nodes, not the node: it keeps serving the
 * connections it holds and comes back into the cluster when Redis does.
 */
export class SignalingBus extends TypedEmitter<SignalingBusEvents> {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: { redis: Redis; nodeId: string; log: Logger }) {
    super();
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    // A connection in subscriber mode can do nothing else: it gets its own.
    this.#subscriber = options.redis.duplicate();
    this.#subscriber.on('error', () => undefined);
    this.#log = options.log.child({ component: 'signaling-bus' });
  }

  async start(): Promise<void> {
    this.on('listenererror', (event, error) =>
      this.#log.error({ err: error, event }, 'signaling bus listener failed'),
    );
    let wasReady = this.#redis.status === 'ready';
    this.#redis.on('ready', () => {
      if (wasReady) {
        // A Redis that came back empty lists no node: be present again at once.
        void this.#redis
          .set(PRESENCE_PREFIX + this.nodeId, String(Date.now()), 'PX', PRESENCE_TTL_MS)
          .catch(() => undefined);
        this.safeEmit('reconnected');
      }
      wasReady = true;
    });
    this.#subscriber.on('messageBuffer', (_channel: Buffer, payload: Buffer) =>
      this.#onPayload(payload.toString('utf8')),
    );
    await waitUntilReady(this.#subscriber, 2000).catch(() => undefined);
    // ioredis subscribes again by itself after every reconnect.
    await this.#subscriber.subscribe(CHANNEL_PREFIX + this.nodeId).catch((error: unknown) => {
      this.#log.warn({ reason: String(error) }, 'cannot subscribe yet; retrying');
      this.#retrySubscribe();
    });
    await waitUntilReady(this.#redis, 2000).catch(() => undefined);
    await this.#beat();
  }

  /**
   * Sends to another node: 'sent'; 'no-receiver' when the node is not listening (dead, or
   * restarted); 'unavailable' when Redis cannot be reached (try again). Pub/sub keeps
   * nothing for later: see LinkSender for what must arrive in order.
   */
  async send(nodeId: string, message: BusMessage): Promise<SendOutcome> {
    try {
      const receivers = await this.#redis.publish(CHANNEL_PREFIX + nodeId, JSON.stringify(message));
      return receivers > 0 ? 'sent' : 'no-receiver';
    } catch {
      return 'unavailable';
    }
  }

  /** Whether a node's presence is in Redis; undefined when Redis cannot say. */
  async isAlive(nodeId: string): Promise<boolean | undefined> {
    if (nodeId === this.nodeId) return true;
    try {
      return (await this.#redis.exists(PRESENCE_PREFIX + nodeId)) === 1;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#redis.del(PRESENCE_PREFIX + this.nodeId).catch(() => undefined);
    this.#subscriber.disconnect();
  }

  #retrySubscribe(): void {
    this.#subscriber.once('ready', () => {
      this.#subscriber.subscribe(CHANNEL_PREFIX + this.nodeId).catch(() => this.#retrySubscribe());
    });
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    await this.#redis
      .set(PRESENCE_PREFIX + this.nodeId, String(Date.now()), 'PX', PRESENCE_TTL_MS)
      .catch(() => undefined);
    this.#timer = setTimeout(() => void this.#beat(), PRESENCE_INTERVAL_MS);
    this.#timer.unref();
  }

  #onPayload(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!Value.Check(BusMessage, value)) {
      this.#log.warn('dropped a malformed message from another signaling node');
      return;
    }
    this.safeEmit('message', value as BusMessage);
  }
}
