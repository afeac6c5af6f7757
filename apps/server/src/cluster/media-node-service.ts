import type { WebSocket } from '@fastify/websocket';
import { Value } from '@sinclair/typebox/value';
import type { SFrameParameters } from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import {
  type ConsultationMediaEvents,
  type MediaCounts,
  sumBitrates,
  sumCounts,
} from '../media/consultation-media.ts';
import { MediaRoom, type MediaRoomOptions, type PipedProducer } from '../media/media-room.ts';
import type { WorkerPool } from '../media/worker-pool.ts';
import type { MediaCensus } from '../metrics/metrics.ts';
import { newNonce, proofMatches, proveSecret } from './cluster-secret.ts';
import type { MediaNodeLoad } from './media-registry.ts';
import {
  isRpcMethod,
  MAX_RPC_MESSAGE_BYTES,
  parseRpc,
  RpcHello,
  type RpcMethod,
  type RpcParams,
  RpcRequest,
  rpcMethods,
} from './media-rpc.ts';

export interface MediaNodeServiceOptions {
  nodeId: string;
  secret: string;
  pool: WorkerPool;
  log: Logger;
  room: Omit<MediaRoomOptions, 'pool' | 'log' | 'frameTap'>;
}

/** Room events that travel to the signaling node (listenererror stays here, in the log). */
const forwardedEvents = [
  'producerready',
  'producerclosed',
  'producerrejected',
  'consumerclosed',
  'reset',
] as const satisfies readonly (keyof ConsultationMediaEvents)[];

interface HostedRoom {
  room: MediaRoom;
  owner: WebSocket;
}

/** A signaling node has this long to prove the cluster secret after connecting. */
const HELLO_TIMEOUT_MS = 5000;
/** See attach: a signaling node pings about every 0.7 s. */
const IDLE_TIMEOUT_MS = 6000;

type Handler<M extends RpcMethod> = (params: RpcParams<M>, room: MediaRoom) => Promise<unknown>;

/**
 * A media node's side of the media RPC: it hosts the consultations' media rooms that
 * signaling nodes open on it, answers their calls and reports the rooms' events to the
 * signaling node that opened each room. A room lives as long as the connection that opened
 * it: a signaling node that goes away takes its rooms with it (its clients rejoin through
 * another signaling node and get new ones), so nothing is left running unowned.
 */
export class MediaNodeService implements MediaCensus {
  readonly #options: MediaNodeServiceOptions;
  readonly #log: Logger;
  readonly #rooms = new Map<string, HostedRoom>();
  readonly #connections = new Set<WebSocket>();
  #cpuSample: { at: number; cpuMs: number } | undefined;

  constructor(options: MediaNodeServiceOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** Serves one signaling node's connection until it closes. */
  attach(socket: WebSocket): void {
    let authenticated = false;
    const challenge = newNonce();
    socket.send(JSON.stringify({ type: 'challenge', nonce: challenge }));
    const helloTimer = setTimeout(() => socket.close(4001, 'no hello'), HELLO_TIMEOUT_MS);
    // A signaling node pings several times a second: one silent this long is gone (its host
    // may have died without closing the connection), and its rooms with it.
    let lastHeard = Date.now();
    const idleCheck = setInterval(() => {
      if (Date.now() - lastHeard > IDLE_TIMEOUT_MS) socket.terminate();
    }, IDLE_TIMEOUT_MS / 3);
    idleCheck.unref();
    socket.on('message', (data, isBinary) => {
      lastHeard = Date.now();
      const text = isBinary ? '' : String(data);
      if (text.length === 0 || text.length > MAX_RPC_MESSAGE_BYTES) {
        socket.close(1009, 'message refused');
        return;
      }
      if (!authenticated) {
        const hello = parseRpc(RpcHello, text);
        const { secret, nodeId } = this.#options;
        const claimed = hello && { role: 'signaling' as const, nodeId: hello.nodeId, to: nodeId };
        if (!hello || !claimed || !proofMatches(hello.proof, secret, challenge, claimed)) {
          this.#log.warn('media RPC connection refused: no proof of the cluster secret');
          socket.close(4003, 'forbidden');
          return;
        }
        authenticated = true;
        clearTimeout(helloTimer);
        this.#connections.add(socket);
        this.#log.info({ signalingNode: hello.nodeId }, 'signaling node connected');
        const proof = proveSecret(secret, hello.nonce, { role: 'media', nodeId, to: hello.nodeId });
        socket.send(JSON.stringify({ type: 'ready', nodeId, proof }));
        return;
      }
      const request = parseRpc(RpcRequest, text);
      if (!request) {
        socket.close(1003, 'malformed request');
        return;
      }
      void this.#answer(socket, request.id, request.method, request.params);
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      clearInterval(idleCheck);
      this.#connections.delete(socket);
      for (const [roomId, hosted] of this.#rooms) {
        if (hosted.owner !== socket) continue;
        this.#rooms.delete(roomId);
        hosted.room.close();
      }
    });
  }

  rooms(): number {
    return this.#rooms.size;
  }

  /** Transports, producers (piped-in ones included) and consumers over the node's rooms. */
  counts(): MediaCounts {
    return sumCounts([...this.#rooms.values()].map(({ room }) => room.counts()));
  }

  async bitrates(): Promise<{ recv: number; send: number }> {
    return sumBitrates(
      await Promise.all([...this.#rooms.values()].map(({ room }) => room.bitrates())),
    );
  }

  /** What this node carries, for the registry (placement reads it). */
  async load(): Promise<MediaNodeLoad> {
    let participants = 0;
    let consumers = 0;
    for (const { room } of this.#rooms.values()) {
      participants += room.participantCount;
      consumers += room.counts().consumers;
    }
    return {
      workers: this.#options.pool.workers.length,
      rooms: this.#rooms.size,
      participants,
      consumers,
      cpu: await this.#cpu(),
    };
  }

  /**
   * Moves every consultation away (an operator drained the node with --move): each room's
   * signaling node is told its media was moved and places it again elsewhere; the rooms close.
   */
  moveAway(): void {
    for (const [roomId, { room, owner }] of this.#rooms) {
      if (owner.readyState === owner.OPEN) {
        owner.send(JSON.stringify({ type: 'event', roomId, event: 'reset', args: ['moved'] }));
      }
      this.#rooms.delete(roomId);
      room.close();
    }
  }

  closeAll(): void {
    for (const socket of this.#connections) socket.close(1001, 'media node stopping');
    for (const { room } of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }

  /** Worker CPU since the last call, in cores. */
  async #cpu(): Promise<number> {
    const usage = await this.#options.pool.probe().catch(() => []);
    const cpuMs = usage.reduce((sum, worker) => sum + worker.cpuMs, 0);
    const now = Date.now();
    const previous = this.#cpuSample;
    this.#cpuSample = { at: now, cpuMs };
    if (!previous || now <= previous.at || cpuMs < previous.cpuMs) return 0;
    return Math.round(((cpuMs - previous.cpuMs) / (now - previous.at)) * 1000) / 1000;
  }

  async #answer(socket: WebSocket, id: number, method: string, params: unknown): Promise<void> {
    const reply = (message: Record<string, unknown>) => {
      if (socket.readyState === socket.OPEN) {
        socket.send(JSON.stringify({ type: 'response', id, ...message }));
      }
    };
    try {
      if (!isRpcMethod(method)) throw new RequestError('bad-request', `no method ${method}`);
      if (!Value.Check(rpcMethods[method], params)) {
        throw new RequestError('bad-request', `malformed parameters for ${method}`);
      }
      const roomId = (params as { roomId: string }).roomId;
      const result = await this.#call(socket, method, params as RpcParams<typeof method>);
      const room = this.#rooms.get(roomId)?.room;
      reply({ ok: true, result: result ?? {}, ...(room ? { counts: room.counts() } : {}) });
    } catch (error) {
      if (error instanceof RequestError) {
        reply({ ok: false, error: { code: error.code, message: error.message } });
        return;
      }
      this.#log.error({ err: error, method }, 'media RPC failed');
      reply({ ok: false, error: { code: 'internal', message: 'the media node failed' } });
    }
  }

  async #call<M extends RpcMethod>(
    socket: WebSocket,
    method: M,
    params: RpcParams<M>,
  ): Promise<unknown> {
    if (method === 'ping') return {};
    if (method === 'openRoom') return this.#openRoom(socket, (params as { roomId: string }).roomId);
    const { roomId } = params as { roomId: string };
    const hosted = this.#rooms.get(roomId);
    if (!hosted || hosted.owner !== socket) {
      if (method === 'closeRoom') return {};
      throw new RequestError('not-found', 'no such media room on this node');
    }
    if (method === 'closeRoom') {
      this.#rooms.delete(roomId);
      hosted.room.close();
      return {};
    }
    const handler = roomHandlers[method as RoomMethod] as Handler<M> | undefined;
    if (!handler) throw new RequestError('bad-request', `no method ${method}`);
    return handler(params, hosted.room);
  }

  async #openRoom(socket: WebSocket, roomId: string) {
    if (this.#rooms.has(roomId)) throw new RequestError('bad-request', 'room exists');
    const room = await MediaRoom.create({
      ...this.#options.room,
      pool: this.#options.pool,
      log: this.#log.child({ roomId }),
    });
    if (socket.readyState !== socket.OPEN) {
      room.close();
      throw new RequestError('not-found', 'the signaling node went away');
    }
    this.#rooms.set(roomId, { room, owner: socket });
    for (const event of forwardedEvents) {
      room.on(event, (...args: unknown[]) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(JSON.stringify({ type: 'event', roomId, event, args }));
      });
    }
    room.on('listenererror', (event, error) =>
      this.#log.error({ err: error, event, roomId }, 'listener failed'),
    );
    return { rtpCapabilities: room.rtpCapabilities };
  }
}

// mediasoup's own types for the shapes the RPC schema checks only as objects.
type Rtp = mediasoupTypes.RtpParameters;

type RoomMethod = Exclude<RpcMethod, 'ping' | 'openRoom' | 'closeRoom'>;

const roomHandlers: { [M in RoomMethod]: Handler<M> } = {
  async addParticipant(p, room) {
    room.addParticipant(p.participantId, p.rtpCapabilities as mediasoupTypes.RtpCapabilities);
  },
  async removeParticipant(p, room) {
    room.removeParticipant(p.participantId);
  },
  createTransport: (p, room) => room.createTransport(p.participantId, p.direction, p.type, p.srtp),
  connectTransport: (p, room) =>
    room.connectTransport(
      p.participantId,
      p.transportId,
      p.dtlsParameters as unknown as mediasoupTypes.DtlsParameters,
    ),
  connectPlainTransport: (p, room) =>
    room.connectPlainTransport(p.participantId, p.transportId, {
      ...(p.remote.ip !== undefined ? { ip: p.remote.ip } : {}),
      ...(p.remote.port !== undefined ? { port: p.remote.port } : {}),
      ...(p.remote.srtpParameters
        ? { srtpParameters: p.remote.srtpParameters as mediasoupTypes.SrtpParameters }
        : {}),
    }),
  async restartIce(p, room) {
    return { iceParameters: await room.restartIce(p.participantId, p.transportId) };
  },
  produce: (p, room) =>
    room.produce(
      p.participantId,
      p.senderSlot,
      p.transportId,
      p.kind,
      p.rtpParameters as unknown as Rtp,
      p.sframe as unknown as SFrameParameters,
    ),
  setProducerKids: (p, room) =>
    room.setProducerKids(p.participantId, p.senderSlot, p.producerId, p.kids),
  async setProducerPaused(p, room) {
    return { changed: await room.setProducerPaused(p.participantId, p.producerId, p.paused) };
  },
  pauseProducersOf: (p, room) => room.pauseProducersOf(p.participantId, p.kind),
  closeProducer: (p, room) => room.closeProducer(p.participantId, p.producerId),
  consume: (p, room) => room.consume(p.participantId, p.transportId, p.producerId),
  resumeConsumer: (p, room) => room.resumeConsumer(p.participantId, p.consumerId),
  bitrates: (_p, room) => room.bitrates(),
  openPipe: (_p, room) => room.openPipe(),
  connectPipe: (p, room) =>
    room.connectPipe(p.pipeId, {
      ...p.remote,
      srtpParameters: p.remote.srtpParameters as mediasoupTypes.SrtpParameters,
    }),
  pipeOut: (p, room) => room.pipeOut(p.pipeId, p.producerId),
  pipeIn: (p, room) => room.pipeIn(p.pipeId, p.piped as unknown as PipedProducer),
  setPipedPaused: (p, room) => room.setPipedPaused(p.producerId, p.paused),
  async closePiped(p, room) {
    room.closePiped(p.producerId);
  },
};
