import { randomUUID } from 'node:crypto';
import type { SFrameParameters } from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type {
  ConsultationMedia,
  ConsultationMediaEvents,
  ConsumerInfo,
  Direction,
  MediaResetReason,
  ReadyProducer,
  TransportInfo,
} from '../media/consultation-media.ts';
import { sumBitrates, sumCounts } from '../media/consultation-media.ts';
import type { MediaCluster } from './media-cluster.ts';
import type { MediaNodeClient, RoomCounts } from './media-node-client.ts';
import type { RpcEventMessage, RpcMethod, RpcParams } from './media-rpc.ts';
import { ProducerPipes } from './producer-pipes.ts';

/** This consultation's room on one media node. */
interface NodeRoom {
  nodeId: string;
  roomId: string;
  client: MediaNodeClient;
  counts: RoomCounts;
  unsubscribe: () => void;
}

interface Placement {
  room: Promise<NodeRoom>;
  /** The node, once placed (to release it when the participant leaves). */
  nodeId: string | undefined;
  /** Released from the node's count already (exactly once, whoever gets there first). */
  released: boolean;
}

/** A ready producer, on the node of its owner (where its SFrame guard runs). */
interface Origin extends ReadyProducer {
  nodeId: string;
}

/**
 * One consultation's media across media nodes (cluster mode). Each participant's
 * transports, producers and consumers sit on one node, placed at admission (the nodes the
 * consultation already uses win while they have room); producers cross to the other nodes
 * of the consultation through SRTP pipe transports, set up when needed. The SFrame guard
 * runs where a producer arrives, so what crosses a pipe has been checked already.
 *
 * When a node of the consultation is lost, the whole consultation's media starts over on
 * the nodes left ('reset'): clients rebuild their transports, as after a worker's death.
 */
export class ClusterMediaRoom
  extends TypedEmitter<ConsultationMediaEvents>
  implements ConsultationMedia
{
  readonly #cluster: MediaCluster;
  readonly #consultationId: string;
  readonly #log: Logger;
  readonly #rtpCapabilities: mediasoupTypes.RtpCapabilities;
  readonly #rooms = new Map<string, Promise<NodeRoom>>();
  readonly #knownRooms = new Set<NodeRoom>();
  readonly #capabilities = new Map<string, mediasoupTypes.RtpCapabilities>();
  readonly #placements = new Map<string, Placement>();
  readonly #origins = new Map<string, Origin>();
  readonly #pipes: ProducerPipes<NodeRoom>;
  #closed = false;
  #resetting = false;

  private constructor(
    cluster: MediaCluster,
    consultationId: string,
    log: Logger,
    rtpCapabilities: mediasoupTypes.RtpCapabilities,
  ) {
    super();
    this.#cluster = cluster;
    this.#consultationId = consultationId;
    this.#log = log;
    this.#rtpCapabilities = rtpCapabilities;
    this.#pipes = new ProducerPipes<NodeRoom>({
      call: (room, method, params) => this.#call(room, method, params),
      roomOn: (nodeId) => this.#rooms.get(nodeId),
      log,
    });
  }

  /** Opens the consultation's first room on the least-loaded node. */
  static async create(options: {
    cluster: MediaCluster;
    consultationId: string;
    log: Logger;
  }): Promise<ClusterMediaRoom> {
    const client = await options.cluster.place([], false);
    const roomId = `${options.consultationId}.${randomUUID()}`;
    const { result } = await client.request('openRoom', { roomId });
    const { rtpCapabilities } = result as { rtpCapabilities: mediasoupTypes.RtpCapabilities };
    const media = new ClusterMediaRoom(
      options.cluster,
      options.consultationId,
      options.log,
      rtpCapabilities,
    );
    media.#rooms.set(client.nodeId, Promise.resolve(media.#adopt(client, roomId)));
    return media;
  }

  get rtpCapabilities(): mediasoupTypes.RtpCapabilities {
    return this.#rtpCapabilities;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The media nodes this consultation uses now, and who is placed where (for tests). */
  async layout(): Promise<Record<string, string>> {
    const where: Record<string, string> = {};
    for (const [participantId, placement] of this.#placements) {
      where[participantId] = (await placement.room).nodeId;
    }
    return where;
  }

  counts(): RoomCounts {
    return sumCounts(this.#settledRooms().map((room) => room.counts));
  }

  async bitrates(): Promise<{ recv: number; send: number }> {
    const each = await Promise.all(
      this.#settledRooms().map((room) =>
        this.#call(room, 'bitrates', {}).then(
          (result) => result as { recv: number; send: number },
          () => ({ recv: 0, send: 0 }),
        ),
      ),
    );
    return sumBitrates(each);
  }

  readyProducers(): ReadyProducer[] {
    return [...this.#origins.values()].map(({ producerId, participantId, kind, paused }) => ({
      producerId,
      participantId,
      kind,
      paused,
    }));
  }

  addParticipant(participantId: string, capabilities: mediasoupTypes.RtpCapabilities): void {
    this.#capabilities.set(participantId, capabilities);
    this.#place(participantId);
  }

  removeParticipant(participantId: string): void {
    this.#capabilities.delete(participantId);
    const placement = this.#placements.get(participantId);
    if (!placement) return;
    this.#placements.delete(participantId);
    this.#release(placement);
    placement.room
      .then(
        (room) => this.#call(room, 'removeParticipant', { participantId }),
        () => undefined,
      )
      .catch((error: unknown) => this.#log.debug({ err: error }, 'media node could not remove'));
  }

  async createTransport(
    participantId: string,
    direction: Direction,
    type: 'webrtc' | 'plain',
    srtp = false,
  ): Promise<TransportInfo> {
    const room = await this.#roomOf(participantId);
    const params = { participantId, direction, type, srtp };
    return (await this.#call(room, 'createTransport', params)) as TransportInfo;
  }

  async connectTransport(
    participantId: string,
    transportId: string,
    dtlsParameters: mediasoupTypes.DtlsParameters,
  ): Promise<void> {
    const room = await this.#roomOf(participantId);
    const params = {
      participantId,
      transportId,
      dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
    };
    await this.#call(room, 'connectTransport', params);
  }

  async connectPlainTransport(
    participantId: string,
    transportId: string,
    remote: { ip?: string; port?: number; srtpParameters?: mediasoupTypes.SrtpParameters },
  ): Promise<void> {
    const room = await this.#roomOf(participantId);
    await this.#call(room, 'connectPlainTransport', { participantId, transportId, remote });
  }

  async restartIce(participantId: string, transportId: string) {
    const room = await this.#roomOf(participantId);
    const result = await this.#call(room, 'restartIce', { participantId, transportId });
    return (result as { iceParameters: mediasoupTypes.IceParameters }).iceParameters;
  }

  async produce(
    participantId: string,
    senderSlot: number,
    transportId: string,
    kind: mediasoupTypes.MediaKind,
    rtpParameters: mediasoupTypes.RtpParameters,
    sframe: SFrameParameters,
  ): Promise<{ producerId: string }> {
    const room = await this.#roomOf(participantId);
    const result = await this.#call(room, 'produce', {
      participantId,
      senderSlot,
      transportId,
      kind,
      rtpParameters: rtpParameters as unknown as Record<string, unknown>,
      sframe: sframe as unknown as Record<string, unknown>,
    });
    return result as { producerId: string };
  }

  async setProducerKids(
    participantId: string,
    senderSlot: number,
    producerId: string,
    kids: readonly number[],
  ): Promise<void> {
    const room = await this.#roomOf(participantId);
    const params = { participantId, senderSlot, producerId, kids: [...kids] };
    await this.#call(room, 'setProducerKids', params);
  }

  async setProducerPaused(
    participantId: string,
    producerId: string,
    paused: boolean,
  ): Promise<boolean> {
    const room = await this.#roomOf(participantId);
    const result = await this.#call(room, 'setProducerPaused', {
      participantId,
      producerId,
      paused,
    });
    const { changed } = result as { changed: boolean };
    const origin = this.#origins.get(producerId);
    if (changed && origin) await this.#pauseCopies(origin, paused);
    return changed;
  }

  async pauseProducersOf(participantId: string, kind: mediasoupTypes.MediaKind): Promise<void> {
    const room = await this.#roomOf(participantId);
    await this.#call(room, 'pauseProducersOf', { participantId, kind });
    const own = [...this.#origins.values()].filter(
      (origin) => origin.participantId === participantId && origin.kind === kind,
    );
    await Promise.all(own.map((origin) => this.#pauseCopies(origin, true)));
  }

  async closeProducer(participantId: string, producerId: string): Promise<void> {
    const room = await this.#roomOf(participantId);
    await this.#call(room, 'closeProducer', { participantId, producerId });
  }

  async consume(
    participantId: string,
    transportId: string,
    producerId: string,
  ): Promise<ConsumerInfo> {
    const room = await this.#roomOf(participantId);
    const origin = this.#origins.get(producerId);
    if (origin && origin.nodeId !== room.nodeId) {
      await this.#pipes.pipeInto(producerId, origin.nodeId, room);
    }
    const params = { participantId, transportId, producerId };
    return (await this.#call(room, 'consume', params)) as ConsumerInfo;
  }

  async resumeConsumer(participantId: string, consumerId: string): Promise<void> {
    const room = await this.#roomOf(participantId);
    await this.#call(room, 'resumeConsumer', { participantId, consumerId });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeRooms();
  }

  // ---- placement ----

  #place(participantId: string): void {
    const previous = this.#placements.get(participantId);
    if (previous) return;
    const placement = { nodeId: undefined, released: false } as Placement;
    const current = () => !this.#closed && this.#placements.get(participantId) === placement;
    placement.room = (async () => {
      try {
        const client = await this.#cluster.place([...this.#rooms.keys()], true);
        placement.nodeId = client.nodeId;
        // Left, reset or closed meanwhile: this placement is nobody's any more.
        if (!current())
          throw new RequestError('not-found', 'you are no longer in this consultation');
        const room = await this.#roomOn(client);
        const capabilities = this.#capabilities.get(participantId);
        if (!capabilities || !current()) {
          throw new RequestError('not-found', 'you are no longer in this consultation');
        }
        const rtpCapabilities = capabilities as unknown as Record<string, unknown>;
        await this.#call(room, 'addParticipant', { participantId, rtpCapabilities });
        return room;
      } catch (error) {
        this.#release(placement);
        throw error;
      }
    })();
    // A failed placement is reported to the participant's next media request.
    placement.room.catch(() => undefined);
    this.#placements.set(participantId, placement);
  }

  async #roomOf(participantId: string): Promise<NodeRoom> {
    if (this.#closed) throw new RequestError('not-found', 'this consultation has no media now');
    if (!this.#capabilities.has(participantId)) {
      throw new RequestError('not-found', 'you are no longer in this consultation');
    }
    let placement = this.#placements.get(participantId);
    if (!placement) {
      this.#place(participantId);
      placement = this.#placements.get(participantId);
    }
    try {
      return await (placement as Placement).room;
    } catch (error) {
      // Next time, try again (a node may have freed up or come back).
      if (this.#placements.get(participantId) === placement) {
        this.#placements.delete(participantId);
      }
      throw error;
    }
  }

  /** This consultation's room on a node, opened on first use. */
  #release(placement: Placement): void {
    if (placement.released || !placement.nodeId) return;
    placement.released = true;
    this.#cluster.release(placement.nodeId);
  }

  #roomOn(client: MediaNodeClient): Promise<NodeRoom> {
    const existing = this.#rooms.get(client.nodeId);
    if (existing) return existing;
    const roomId = `${this.#consultationId}.${randomUUID()}`;
    // What the consultation already sends is piped in when someone here consumes it.
    const opening = client.request('openRoom', { roomId }).then(() => {
      if (this.#closed || this.#rooms.get(client.nodeId) !== opening) {
        // Closed or reset while it opened: nobody will close it but us.
        client.request('closeRoom', { roomId }).catch(() => undefined);
        throw new RequestError('not-found', 'this consultation has no media now');
      }
      return this.#adopt(client, roomId);
    });
    opening.catch(() => {
      if (this.#rooms.get(client.nodeId) === opening) this.#rooms.delete(client.nodeId);
    });
    this.#rooms.set(client.nodeId, opening);
    return opening;
  }

  #adopt(client: MediaNodeClient, roomId: string): NodeRoom {
    const room: NodeRoom = {
      nodeId: client.nodeId,
      roomId,
      client,
      counts: { transports: 0, producers: 0, consumers: 0 },
      unsubscribe: () => undefined,
    };
    room.unsubscribe = this.#cluster.subscribe(roomId, client.nodeId, {
      onEvent: (event) => this.#onRoomEvent(room, event),
      onLost: () => this.#reset('media-node-lost', `media node ${client.nodeId} lost`),
    });
    this.#knownRooms.add(room);
    return room;
  }

  /** Rooms whose opening finished. */
  #settledRooms(): NodeRoom[] {
    return [...this.#knownRooms];
  }

  // ---- events ----

  #onRoomEvent(room: NodeRoom, event: RpcEventMessage): void {
    if (this.#closed || this.#resetting) return;
    switch (event.event) {
      case 'producerready': {
        const [producerId, participantId, kind] = event.args;
        const origin: Origin = {
          producerId,
          participantId,
          kind,
          paused: false,
          nodeId: room.nodeId,
        };
        this.#origins.set(producerId, origin);
        // Pipe it now to the consultation's other nodes, so consumers there need not wait.
        for (const other of this.#settledRooms()) {
          if (other !== room) {
            this.#pipes.pipeInto(producerId, room.nodeId, other).catch(() => undefined);
          }
        }
        this.safeEmit('producerready', producerId, participantId, kind);
        return;
      }
      case 'producerclosed': {
        const [producerId, participantId, reason] = event.args;
        this.#origins.delete(producerId);
        this.#pipes.closeCopies(producerId, this.#settledRooms());
        this.safeEmit('producerclosed', producerId, participantId, reason);
        return;
      }
      case 'producerrejected': {
        const [producerId, participantId, verdict] = event.args;
        this.safeEmit('producerrejected', producerId, participantId, verdict);
        return;
      }
      case 'consumerclosed': {
        const [consumerId, participantId, producerId] = event.args;
        this.safeEmit('consumerclosed', consumerId, participantId, producerId);
        return;
      }
      case 'reset': {
        const [reason] = event.args;
        this.#reset(reason, `media node ${room.nodeId}: ${reason}`);
        return;
      }
    }
  }

  /** Starts the consultation's media over on the nodes left; clients are told to rejoin. */
  #reset(reason: MediaResetReason, why: string): void {
    if (this.#closed || this.#resetting) return;
    this.#resetting = true;
    this.#log.warn({ consultationId: this.#consultationId, why }, 'consultation media reset');
    this.#closeRooms();
    this.#resetting = false;
    // Everyone in the call is placed again at once; their new transports wait for it.
    for (const participantId of this.#capabilities.keys()) this.#place(participantId);
    this.safeEmit('reset', reason);
  }

  #closeRooms(): void {
    for (const room of this.#knownRooms) {
      room.unsubscribe();
      if (!room.client.lost) {
        room.client.request('closeRoom', { roomId: room.roomId }).catch(() => undefined);
      }
    }
    for (const placement of this.#placements.values()) {
      this.#release(placement);
    }
    this.#knownRooms.clear();
    this.#rooms.clear();
    this.#placements.clear();
    this.#origins.clear();
    this.#pipes.clear();
  }

  #pauseCopies(origin: Origin, paused: boolean): Promise<void> {
    origin.paused = paused;
    return this.#pipes.pauseCopies(origin.producerId, paused, this.#settledRooms());
  }

  // ---- RPC ----

  async #call<M extends RpcMethod>(
    room: NodeRoom,
    method: M,
    params: Omit<RpcParams<M>, 'roomId'>,
  ): Promise<unknown> {
    const { result, counts } = await room.client.request(method, {
      ...params,
      roomId: room.roomId,
    } as RpcParams<M>);
    if (counts) room.counts = counts;
    return result;
  }
}
