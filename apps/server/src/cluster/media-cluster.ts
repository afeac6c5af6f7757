import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import { MediaNodeClient } from './media-node-client.ts';
import { type MediaNodeInfo, pickMediaNode } from './media-registry.ts';
import type { RpcEventMessage } from './media-rpc.ts';

/** Where the live media nodes are listed (the Redis registry; tests may give their own). */
export interface MediaNodeList {
  list(): Promise<MediaNodeInfo[]>;
}

export interface MediaClusterOptions {
  nodes: MediaNodeList;
  secret: string;
  /** This signaling node's id. */
  nodeId: string;
  log: Logger;
  /** RPC answer timeout; the ping notices a hung node after about twice this. */
  rpcTimeoutMs?: number;
}

interface RoomSubscriber {
  onEvent: (event: RpcEventMessage) => void;
  onLost: () => void;
}

/**
 * A signaling node's view of the media nodes: it places new media on the least-loaded
 * live node (from the registry), keeps one RPC connection per node, and routes each room's
 * events and the loss of a node to the room that asked.
 */
export class MediaCluster {
  readonly #options: MediaClusterOptions;
  readonly #log: Logger;
  readonly #clients = new Map<string, Promise<MediaNodeClient>>();
  readonly #subscribers = new Map<string, { nodeId: string } & RoomSubscriber>();
  /**
   * Participants this node placed on each media node and not yet released. The registry's
   * load is up to a heartbeat old; what this node placed itself it knows exactly.
   */
  readonly #placed = new Map<string, number>();
  #closed = false;

  constructor(options: MediaClusterOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /**
   * A media node for new media: among `prefer` (nodes this consultation already uses)
   * while they have room, else the least-loaded live node that is not draining or full.
   * A node that cannot be reached is skipped. `participant`: the placement is for one
   * participant, counted against the node's capacity until `release`.
   */
  async place(prefer: readonly string[], participant: boolean): Promise<MediaNodeClient> {
    // A node that is still listed but dead (killed, or hung: its record outlives it by up to
    // a heartbeat's TTL) refuses or times out the connection and is skipped here.
    const tried = new Set<string>();
    const nodes = await this.#options.nodes.list();
    for (;;) {
      const chosen = pickMediaNode(this.#withOwnPlacements(nodes), { prefer, exclude: tried });
      if (!chosen) {
        throw new RequestError(
          'unavailable',
          'no media node has room for this call now; try again in a moment',
        );
      }
      tried.add(chosen.nodeId);
      try {
        const client = await this.client(chosen);
        if (participant)
          this.#placed.set(chosen.nodeId, (this.#placed.get(chosen.nodeId) ?? 0) + 1);
        return client;
      } catch (error) {
        this.#log.warn({ err: error, mediaNode: chosen.nodeId }, 'media node unreachable');
      }
    }
  }

  /** The connection to a node, made on first use and again after it was lost. */
  async client(node: Pick<MediaNodeInfo, 'nodeId' | 'rpcUrl'>): Promise<MediaNodeClient> {
    if (this.#closed) throw new RequestError('unavailable', 'shutting down');
    const existing = this.#clients.get(node.nodeId);
    if (existing) {
      const client = await existing.catch(() => undefined);
      if (client && !client.lost) return client;
    }
    const connecting = MediaNodeClient.connect({
      nodeId: node.nodeId,
      rpcUrl: node.rpcUrl,
      secret: this.#options.secret,
      localNodeId: this.#options.nodeId,
      log: this.#log,
      ...(this.#options.rpcTimeoutMs ? { timeoutMs: this.#options.rpcTimeoutMs } : {}),
    });
    this.#clients.set(node.nodeId, connecting);
    connecting.then(
      (client) => {
        client.on('roomevent', (event) => this.#subscribers.get(event.roomId)?.onEvent(event));
        client.on('lost', () => this.#onLost(node.nodeId));
      },
      () => {
        if (this.#clients.get(node.nodeId) === connecting) this.#clients.delete(node.nodeId);
      },
    );
    return connecting;
  }

  /** A participant placed on this node left it. */
  release(nodeId: string): void {
    const count = (this.#placed.get(nodeId) ?? 0) - 1;
    if (count > 0) this.#placed.set(nodeId, count);
    else this.#placed.delete(nodeId);
  }

  /** Routes a room's events to it, and tells it if its node is lost. */
  subscribe(roomId: string, nodeId: string, subscriber: RoomSubscriber): () => void {
    this.#subscribers.set(roomId, { nodeId, ...subscriber });
    return () => this.#subscribers.delete(roomId);
  }

  close(): void {
    this.#closed = true;
    for (const connecting of this.#clients.values()) {
      connecting.then(
        (client) => client.close(),
        () => undefined,
      );
    }
    this.#clients.clear();
  }

  #onLost(nodeId: string): void {
    this.#clients.delete(nodeId);
    this.#placed.delete(nodeId);
    for (const [roomId, subscriber] of [...this.#subscribers]) {
      if (subscriber.nodeId !== nodeId) continue;
      this.#subscribers.delete(roomId);
      subscriber.onLost();
    }
  }

  #withOwnPlacements(nodes: readonly MediaNodeInfo[]): MediaNodeInfo[] {
    return nodes.map((node) => {
      const own = this.#placed.get(node.nodeId) ?? 0;
      return own <= node.load.participants
        ? node
        : { ...node, load: { ...node.load, participants: own } };
    });
  }
}
