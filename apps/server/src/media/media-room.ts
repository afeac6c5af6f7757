import type { SFrameParameters } from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { routerMediaCodecs } from './codecs.ts';
import type {
  ConsultationMedia,
  ConsultationMediaEvents,
  ConsumerInfo,
  Direction,
  ReadyProducer,
  TransportInfo,
} from './consultation-media.ts';
import { FrameTap, type RoomFrameTapListener } from './frame-tap.ts';
import { type GuardVerdict, SFrameGuard, type SFrameGuardOptions } from './sframe-guard.ts';
import type { WorkerPool } from './worker-pool.ts';

export type { Direction };

/**
 * What one participant may hold at once. A browser needs one send and one receive
 * transport (two of each leave room for an ICE-restart fallback), a camera and a microphone
 * (plus screen share later), and one consumer per producer of the others.
 */
export const PARTICIPANT_LIMITS = { transports: 4, producers: 4, consumers: 64 } as const;

export interface MediaRoomOptions {
  pool: WorkerPool;
  log: Logger;
  guard: SFrameGuardOptions;
  /** Loopback or node address for PlainTransports; undefined = plain RTP refused. */
  plainRtpIp: string | undefined;
  /** Where pipes to other media nodes listen (cluster mode); undefined = no pipes. */
  pipeIp?: string | undefined;
  /** TEST ONLY (frame-tap.ts): every frame forwarded. Absent, no producer is tapped. */
  frameTap?: RoomFrameTapListener | undefined;
}

export type MediaRoomEvents = ConsultationMediaEvents;

/** One end of a pipe between two media nodes' routers: where it listens, and its SRTP key. */
export interface PipeEnd {
  ip: string;
  port: number;
  srtpParameters: mediasoupTypes.SrtpParameters;
}

/** A producer as it crosses a pipe: enough for the far router to produce it under its id. */
export interface PipedProducer {
  producerId: string;
  participantId: string;
  kind: mediasoupTypes.MediaKind;
  rtpParameters: mediasoupTypes.RtpParameters;
  paused: boolean;
}

interface Owned<T> {
  participantId: string;
  item: T;
}

interface ProducerEntry {
  participantId: string;
  producer: mediasoupTypes.Producer;
  guard: SFrameGuard | undefined;
  frameTap: FrameTap | undefined;
  ready: boolean;
  /**
   * Piped in from another node's router, where its owner sends and its SFrame guard runs:
   * it answers to that router (it closes, pauses and resumes when told), never to a client.
   */
  piped: boolean;
}

/**
 * One consultation's media: a router on one worker, the participants' transports, producers
 * and consumers, and the SFrame guard on every producer. It knows participants only by id and
 * enforces ownership (nobody touches another's transport); who may join is decided by the
 * consultation, not here. When its worker dies it rebuilds on another and says so.
 */
export class MediaRoom extends TypedEmitter<MediaRoomEvents> implements ConsultationMedia {
  readonly #options: MediaRoomOptions;
  readonly #log: Logger;
  #router!: mediasoupTypes.Router;
  #webRtcServer: mediasoupTypes.WebRtcServer | undefined;
  #tap!: mediasoupTypes.DirectTransport;
  #workerSlot = -1;
  readonly #transports = new Map<
    string,
    Owned<mediasoupTypes.Transport> & { direction: Direction }
  >();
  readonly #producers = new Map<string, ProducerEntry>();
  readonly #consumers = new Map<string, Owned<mediasoupTypes.Consumer>>();
  /** Pipe transports to other nodes' routers of the same consultation (cluster mode). */
  readonly #pipes = new Map<string, mediasoupTypes.PipeTransport>();
  readonly #rtpCapabilities = new Map<string, mediasoupTypes.RtpCapabilities>();
  #closed = false;

  private constructor(options: MediaRoomOptions) {
    super();
    this.#options = options;
    this.#log = options.log;
  }

  static async create(options: MediaRoomOptions): Promise<MediaRoom> {
    const room = new MediaRoom(options);
    await room.#build();
    return room;
  }

  get rtpCapabilities(): mediasoupTypes.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  /** mediasoup's id of the current router (it changes when the room is rebuilt). */
  get routerId(): string {
    return this.#router.id;
  }

  get workerSlot(): number {
    return this.#workerSlot;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Participants whose media this room carries (piped-in producers' owners not counted). */
  get participantCount(): number {
    return this.#rtpCapabilities.size;
  }

  counts(): { transports: number; producers: number; consumers: number } {
    return {
      transports: this.#transports.size,
      producers: this.#producers.size,
      consumers: this.#consumers.size,
    };
  }

  /** Bitrates summed over this room's transports (bits per second). */
  async bitrates(): Promise<{ recv: number; send: number }> {
    const stats = await Promise.all(
      [...this.#transports.values()].map(({ item }) => item.getStats().catch(() => [])),
    );
    let recv = 0;
    let send = 0;
    for (const entries of stats) {
      for (const entry of entries) {
        recv += entry.recvBitrate ?? 0;
        send += entry.sendBitrate ?? 0;
      }
    }
    return { recv, send };
  }

  /** Producers others may consume now (passed their first SFrame check). */
  readyProducers(): ReadyProducer[] {
    return [...this.#producers.values()]
      .filter((entry) => entry.ready && !entry.piped)
      .map((entry) => ({
        producerId: entry.producer.id,
        participantId: entry.participantId,
        kind: entry.producer.kind,
        paused: entry.producer.paused,
      }));
  }

  /** A host muted someone: pause their producers of this kind (they may resume). */
  async pauseProducersOf(participantId: string, kind: mediasoupTypes.MediaKind): Promise<void> {
    const own = [...this.#producers.values()].filter(
      (entry) =>
        entry.participantId === participantId && entry.producer.kind === kind && !entry.piped,
    );
    await Promise.all(own.map((entry) => entry.producer.pause()));
  }

  addParticipant(participantId: string, capabilities: mediasoupTypes.RtpCapabilities): void {
    this.#rtpCapabilities.set(participantId, capabilities);
  }

  /** `srtp` (plain transports only): SRTP, AES_CM_128_HMAC_SHA1_80, instead of plain RTP. */
  async createTransport(
    participantId: string,
    direction: Direction,
    type: 'webrtc' | 'plain',
    srtp = false,
  ): Promise<TransportInfo> {
    this.#checkLimit(participantId, 'transports', this.#transports);
    let transport: mediasoupTypes.Transport;
    const appData = { participantId, direction };
    if (type === 'plain') {
      const ip = this.#options.plainRtpIp;
      if (!ip)
        throw new RequestError('forbidden', 'plain RTP transports are disabled on this server');
      transport = await this.#router.createPlainTransport({
        listenIp: { ip },
        rtcpMux: true,
        // A sending client's address is learnt from its first packet.
        comedia: direction === 'send',
        ...(srtp ? { enableSrtp: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const } : {}),
        appData,
      });
    } else {
      if (srtp) throw new RequestError('bad-request', 'srtp is for plain transports only');
      if (!this.#webRtcServer) throw new RequestError('unavailable', 'no WebRTC media listener');
      transport = await this.#router.createWebRtcTransport({
        webRtcServer: this.#webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        appData,
      });
    }
    this.#keepOnlyIfPresent(participantId, transport);
    this.#transports.set(transport.id, { participantId, item: transport, direction });
    transport.observer.once('close', () => this.#transports.delete(transport.id));
    return describeTransport(transport);
  }

  async connectTransport(
    participantId: string,
    transportId: string,
    dtlsParameters: mediasoupTypes.DtlsParameters,
  ): Promise<void> {
    const transport = this.transportOf(participantId, transportId);
    if (transport.constructor.name !== 'WebRtcTransport') {
      throw new RequestError('bad-request', `transport ${transportId} is not a WebRTC transport`);
    }
    await transport.connect({ dtlsParameters });
  }

  transportOf(
    participantId: string,
    transportId: string,
    direction?: Direction,
  ): mediasoupTypes.Transport {
    const entry = this.#transports.get(transportId);
    if (
      !entry ||
      entry.participantId !== participantId ||
      (direction && entry.direction !== direction)
    ) {
      throw new RequestError(
        'not-found',
        `no ${direction ?? ''} transport ${transportId} of yours`.replace('  ', ' '),
      );
    }
    return entry.item;
  }

  /**
   * Connects a plain transport: where the server sends (receive transports; a send transport
   * learns its client's address from the first packet) and, with SRTP, the client's key.
   */
  async connectPlainTransport(
    participantId: string,
    transportId: string,
    remote: { ip?: string; port?: number; srtpParameters?: mediasoupTypes.SrtpParameters },
  ) {
    const transport = this.transportOf(participantId, transportId);
    if (transport.constructor.name !== 'PlainTransport') {
      throw new RequestError('bad-request', `transport ${transportId} is not a plain transport`);
    }
    const plain = transport as mediasoupTypes.PlainTransport;
    const { ip, port, srtpParameters } = remote;
    // Send transports are comedia (see createTransport).
    const comedia = this.#transports.get(transportId)?.direction === 'send';
    if (ip !== undefined && ip !== this.#options.plainRtpIp) {
      // The server would send media wherever it is told: only to the node's own plain address.
      throw new RequestError(
        'forbidden',
        `plain RTP may only be sent to ${this.#options.plainRtpIp}`,
      );
    }
    if ((ip === undefined || port === undefined) && !comedia) {
      throw new RequestError('bad-request', 'a receive transport needs ip and port');
    }
    if ((srtpParameters !== undefined) !== (plain.srtpParameters !== undefined)) {
      throw new RequestError(
        'bad-request',
        plain.srtpParameters ? 'an SRTP transport needs srtpParameters' : 'transport is not SRTP',
      );
    }
    await plain.connect({
      ...(comedia ? {} : { ip, port }),
      ...(srtpParameters ? { srtpParameters } : {}),
    });
  }

  async produce(
    participantId: string,
    senderSlot: number,
    transportId: string,
    kind: mediasoupTypes.MediaKind,
    rtpParameters: mediasoupTypes.RtpParameters,
    sframe: SFrameParameters,
  ): Promise<{ producerId: string }> {
    const transport = this.transportOf(participantId, transportId, 'send');
    checkKidsBelongTo(senderSlot, sframe.kids);
    this.#checkLimit(participantId, 'producers', this.#producers);
    // The SFrame guard taps one stream: simulcast or spatial layers would let other layers
    // pass unchecked, so a producer is exactly one encoding (temporal layers are fine).
    const encodings = rtpParameters.encodings ?? [];
    const spatial = encodings.some((e) => /^[LS][2-9]/.test(e.scalabilityMode ?? ''));
    if (encodings.length !== 1 || spatial) {
      throw new RequestError(
        'unsupported-media',
        'a producer must have exactly one encoding: no simulcast or spatial layers',
      );
    }
    const mimeTypes = (rtpParameters.codecs ?? []).map((codec) =>
      String(codec?.mimeType).toLowerCase(),
    );
    const allowed = kind === 'audio' ? 'audio/opus' : 'video/vp8';
    if (!mimeTypes.includes(allowed)) {
      throw new RequestError(
        'unsupported-media',
        `${kind} must be ${allowed === 'audio/opus' ? 'Opus' : 'VP8'}: end-to-end encryption knows no other codec's frame layout`,
      );
    }
    const producer = await transport.produce({ kind, rtpParameters, appData: { participantId } });
    this.#keepOnlyIfPresent(participantId, producer);
    const entry: ProducerEntry = {
      participantId,
      producer,
      guard: undefined,
      frameTap: undefined,
      ready: false,
      piped: false,
    };
    this.#producers.set(producer.id, entry);
    producer.observer.once('close', () => {
      this.#producers.delete(producer.id);
      entry.guard?.close();
      entry.frameTap?.close();
    });
    try {
      entry.guard = await SFrameGuard.start(
        this.#tap,
        this.#router,
        producer,
        sframe,
        this.#options.guard,
        {
          onVerified: () => {
            entry.ready = true;
            this.safeEmit('producerready', producer.id, participantId, kind);
          },
          onViolation: (verdict) => this.#reject(entry, verdict),
        },
      );
      const { frameTap } = this.#options;
      if (frameTap) {
        entry.frameTap = await FrameTap.start(
          this.#tap,
          this.#router,
          producer,
          participantId,
          frameTap,
        );
      }
    } catch (error) {
      producer.close();
      throw error;
    }
    return { producerId: producer.id };
  }

  async setProducerKids(
    participantId: string,
    senderSlot: number,
    producerId: string,
    kids: readonly number[],
  ): Promise<void> {
    const entry = this.#ownProducer(participantId, producerId);
    checkKidsBelongTo(senderSlot, kids);
    entry.guard?.setKids(kids);
  }

  /**
   * The participant paused or resumed its own producer. Returns whether that changed what
   * others see: a ready producer's paused state (the roster shows it).
   */
  async setProducerPaused(
    participantId: string,
    producerId: string,
    paused: boolean,
  ): Promise<boolean> {
    const entry = this.#ownProducer(participantId, producerId);
    const { producer } = entry;
    if (producer.paused === paused) return false;
    await (paused ? producer.pause() : producer.resume());
    return entry.ready;
  }

  async closeProducer(participantId: string, producerId: string): Promise<void> {
    const entry = this.#ownProducer(participantId, producerId);
    entry.producer.close();
    this.safeEmit('producerclosed', producerId, participantId, 'closed');
  }

  async consume(
    participantId: string,
    transportId: string,
    producerId: string,
  ): Promise<ConsumerInfo> {
    const transport = this.transportOf(participantId, transportId, 'recv');
    this.#checkLimit(participantId, 'consumers', this.#consumers);
    const entry = this.#producers.get(producerId);
    if (!entry?.ready || entry.participantId === participantId) {
      throw new RequestError('not-found', `no producer ${producerId} to consume`);
    }
    const rtpCapabilities = this.#rtpCapabilities.get(participantId);
    if (!rtpCapabilities || !this.#router.canConsume({ producerId, rtpCapabilities })) {
      throw new RequestError(
        'unsupported-media',
        'your RTP capabilities cannot receive this producer',
      );
    }
    // Paused until the client has attached its decrypting transform and asks to resume.
    const already = [...this.#consumers.values()].some(
      (c) => c.participantId === participantId && c.item.producerId === producerId,
    );
    if (already) throw new RequestError('bad-request', `you already consume ${producerId}`);
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    this.#keepOnlyIfPresent(participantId, consumer);
    this.#consumers.set(consumer.id, { participantId, item: consumer });
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
    consumer.on('producerclose', () =>
      this.safeEmit('consumerclosed', consumer.id, participantId, producerId),
    );
    return {
      consumerId: consumer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      ownerId: entry.participantId,
    };
  }

  async resumeConsumer(participantId: string, consumerId: string): Promise<void> {
    const entry = this.#consumers.get(consumerId);
    if (!entry || entry.participantId !== participantId) {
      throw new RequestError('not-found', `no consumer ${consumerId} of yours`);
    }
    await entry.item.resume();
  }

  async restartIce(
    participantId: string,
    transportId: string,
  ): Promise<mediasoupTypes.IceParameters> {
    const transport = this.transportOf(participantId, transportId);
    if (!('restartIce' in transport))
      throw new RequestError('bad-request', 'not a WebRTC transport');
    return (transport as mediasoupTypes.WebRtcTransport).restartIce();
  }

  /**
   * Opens this router's end of a pipe to another media node's router of the same
   * consultation (cluster mode). SRTP on the wire between nodes: what crosses is SFrame
   * ciphertext already, and SRTP keeps even its headers from other hosts on the path.
   */
  async openPipe(): Promise<{ pipeId: string } & PipeEnd> {
    const ip = this.#options.pipeIp;
    if (!ip) throw new RequestError('forbidden', 'this node does not pipe media to other nodes');
    const pipe = await this.#router.createPipeTransport({ listenIp: { ip }, enableSrtp: true });
    if (this.#closed || !pipe.srtpParameters) {
      pipe.close();
      throw new RequestError('not-found', 'this media room is closed');
    }
    this.#pipes.set(pipe.id, pipe);
    pipe.observer.once('close', () => this.#pipes.delete(pipe.id));
    const { localIp, localPort } = pipe.tuple;
    return { pipeId: pipe.id, ip: localIp, port: localPort, srtpParameters: pipe.srtpParameters };
  }

  async connectPipe(pipeId: string, remote: PipeEnd): Promise<void> {
    const { ip, port, srtpParameters } = remote;
    await this.#pipe(pipeId).connect({ ip, port, srtpParameters });
  }

  /** Sends a ready producer of this room into a pipe; returns what the far end produces. */
  async pipeOut(pipeId: string, producerId: string): Promise<PipedProducer> {
    const pipe = this.#pipe(pipeId);
    const entry = this.#producers.get(producerId);
    if (!entry?.ready || entry.piped) {
      throw new RequestError('not-found', `no producer ${producerId} to pipe`);
    }
    const consumer = await pipe.consume({ producerId });
    return {
      producerId,
      participantId: entry.participantId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      paused: consumer.producerPaused,
    };
  }

  /** Produces another node's producer here, under its own id, for this room's consumers. */
  async pipeIn(pipeId: string, piped: PipedProducer): Promise<void> {
    const { producerId, participantId, kind, rtpParameters, paused } = piped;
    const producer = await this.#pipe(pipeId).produce({
      id: producerId,
      kind,
      rtpParameters,
      paused,
      appData: { participantId, piped: true },
    });
    const entry: ProducerEntry = {
      participantId,
      producer,
      guard: undefined,
      frameTap: undefined,
      ready: true,
      piped: true,
    };
    this.#producers.set(producer.id, entry);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  /** The origin paused or resumed a producer piped in here. */
  async setPipedPaused(producerId: string, paused: boolean): Promise<void> {
    const entry = this.#producers.get(producerId);
    if (!entry?.piped) throw new RequestError('not-found', `no piped producer ${producerId}`);
    if (entry.producer.paused === paused) return;
    await (paused ? entry.producer.pause() : entry.producer.resume());
  }

  /** The origin closed a producer piped in here: its consumers here close with it. */
  closePiped(producerId: string): void {
    const entry = this.#producers.get(producerId);
    if (entry?.piped) entry.producer.close();
  }

  #pipe(pipeId: string): mediasoupTypes.PipeTransport {
    const pipe = this.#pipes.get(pipeId);
    if (!pipe) throw new RequestError('not-found', `no pipe ${pipeId}`);
    return pipe;
  }

  /** Closes everything a participant has (on leave, removal or disconnect). */
  removeParticipant(participantId: string): void {
    for (const [id, entry] of this.#producers) {
      if (entry.participantId !== participantId || entry.piped) continue;
      entry.producer.close();
      this.safeEmit('producerclosed', id, participantId, 'closed');
    }
    for (const entry of [...this.#transports.values()]) {
      if (entry.participantId === participantId) entry.item.close();
    }
    this.#rtpCapabilities.delete(participantId);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#router.close();
  }

  #checkLimit(
    participantId: string,
    kind: keyof typeof PARTICIPANT_LIMITS,
    items: Map<string, { participantId: string }>,
  ): void {
    let count = 0;
    for (const item of items.values()) if (item.participantId === participantId) count++;
    if (count >= PARTICIPANT_LIMITS[kind]) {
      throw new RequestError('forbidden', `at most ${PARTICIPANT_LIMITS[kind]} ${kind} each`);
    }
  }

  /**
   * An object created while its owner left (the await in between) would never be closed:
   * close it at once and refuse the request instead.
   */
  #keepOnlyIfPresent(participantId: string, item: { close(): void }): void {
    if (this.#closed || !this.#rtpCapabilities.has(participantId)) {
      item.close();
      throw new RequestError('not-found', 'you are no longer in this consultation');
    }
  }

  #ownProducer(participantId: string, producerId: string): ProducerEntry {
    const entry = this.#producers.get(producerId);
    if (!entry || entry.participantId !== participantId || entry.piped) {
      throw new RequestError('not-found', `no producer ${producerId} of yours`);
    }
    return entry;
  }

  #reject(entry: ProducerEntry, verdict: GuardVerdict): void {
    const { producer, participantId } = entry;
    producer.close();
    this.safeEmit('producerrejected', producer.id, participantId, verdict);
    this.safeEmit('producerclosed', producer.id, participantId, 'not-e2ee');
  }

  async #build(): Promise<void> {
    const { router, slot, webRtcServer } = await this.#options.pool.createRouter(routerMediaCodecs);
    this.#router = router;
    this.#workerSlot = slot;
    this.#webRtcServer = webRtcServer;
    this.#tap = await router.createDirectTransport();
    router.on('workerclose', () => this.#onWorkerDied());
  }

  #onWorkerDied(): void {
    if (this.#closed) return;
    this.#log.warn({ workerSlot: this.#workerSlot }, 'media room lost its worker; rebuilding');
    this.#producers.clear();
    this.#consumers.clear();
    this.#transports.clear();
    this.#pipes.clear();
    void this.#rebuild(Date.now());
  }

  /** Waits for any live worker (the dead one is being replaced) and starts over on it. */
  async #rebuild(since: number): Promise<void> {
    try {
      await this.#build();
      if (this.#closed) {
        this.#router.close();
        return;
      }
      this.#log.info(
        { workerSlot: this.#workerSlot, ms: Date.now() - since },
        'media room rebuilt',
      );
      this.safeEmit('reset', 'worker-died');
    } catch (error) {
      if (this.#closed) return;
      this.#log.debug({ err: error }, 'no worker for the media room yet');
      setTimeout(() => void this.#rebuild(since), 250).unref();
    }
  }
}

function describeTransport(transport: mediasoupTypes.Transport): TransportInfo {
  if (transport.constructor.name === 'PlainTransport') {
    const plain = transport as mediasoupTypes.PlainTransport;
    return {
      type: 'plain',
      id: plain.id,
      ip: plain.tuple.localIp,
      port: plain.tuple.localPort,
      srtpParameters: plain.srtpParameters,
    };
  }
  const webrtc = transport as mediasoupTypes.WebRtcTransport;
  return {
    type: 'webrtc',
    id: webrtc.id,
    iceParameters: webrtc.iceParameters,
    iceCandidates: webrtc.iceCandidates,
    dtlsParameters: webrtc.dtlsParameters,
  };
}

/** Every KID must carry the sender's own slot, so nobody can send under another's keys. */
function checkKidsBelongTo(senderSlot: number, kids: readonly number[]): void {
  const foreign = kids.find((kid) => Math.floor(kid / 0x1_0000) !== senderSlot);
  if (foreign !== undefined) {
    throw new RequestError(
      'forbidden',
      `KID ${foreign} does not belong to your sender slot ${senderSlot}`,
    );
  }
}
