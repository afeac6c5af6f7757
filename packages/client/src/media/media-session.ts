import {
  attachE2eeTransform,
  SerialQueue,
  type TransformEnvironment,
  type TransformWorkerLike,
} from '@skjerm/e2ee';
import { Device, type types } from 'mediasoup-client';
import { type EncodedTransformApi, peerConnectionSettings } from '../capabilities.ts';
import { SkjermClientError, toClientError } from '../errors.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import {
  BitrateMeter,
  collectStats,
  type InboundStats,
  type OutboundStats,
} from './media-stats.ts';
import { Publisher } from './publisher.ts';
import {
  CODEC_OF_KIND,
  type LocalTrack,
  type MediaKind,
  type MuteSource,
  type RemoteTrack,
} from './tracks.ts';
import { createTransport, type MediaSignaling } from './transport.ts';

export interface MediaSessionOptions {
  readonly signaling: MediaSignaling;
  /** The E2EE transform worker every sender and receiver is attached to. */
  readonly worker: TransformWorkerLike;
  readonly transformApi: EncodedTransformApi;
  readonly environment: TransformEnvironment;
  /** The local participant (names the send transforms). */
  readonly participantId: string;
  /** The KIDs a new producer declares (the sender key's, see SessionKeys). */
  readonly kids: () => number[];
  /** A mediasoup-client handler other than the detected one (tests: FakeHandler). */
  readonly handlerFactory?: types.HandlerFactory | undefined;
  readonly iceTransportPolicy?: 'all' | 'relay' | undefined;
}

export type MediaSessionEvents = {
  track: [remote: RemoteTrack];
  trackended: [remote: RemoteTrack];
  /** The server closed one of our producers: 'not-e2ee' means its frames failed the check. */
  localtrackclosed: [local: LocalTrack, reason: string];
  /** A local track was muted or unmuted (only on a change of state). */
  localmute: [local: LocalTrack, muted: boolean, by: MuteSource];
  connectionstate: [direction: 'send' | 'recv', state: string];
  listenererror: [event: string, error: unknown];
};

/**
 * One joined participant's media: the mediasoup-client Device, a send and a receive transport,
 * the published tracks (Publisher) and every consumer, each with the E2EE transform attached
 * when its RTCRtpSender or RTCRtpReceiver is created, before a frame exists (senders), and
 * before the server resumes the consumer (receivers). Operations run one at a time (produce,
 * consume, KID announcements, mutes, reset), so a rotation's announcement never races a
 * producer being created.
 */
export class MediaSession extends TypedEmitter<MediaSessionEvents> {
  readonly #options: MediaSessionOptions;
  readonly #device: Device;
  readonly #queue = new SerialQueue();
  readonly #publisher: Publisher;
  readonly #consumers = new Map<string, { consumer: types.Consumer; remote: RemoteTrack }>();
  readonly #meter = new BitrateMeter();
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  #closed = false;

  constructor(options: MediaSessionOptions) {
    super();
    this.#options = options;
    this.#device = new Device(
      options.handlerFactory ? { handlerFactory: options.handlerFactory } : {},
    );
    this.#publisher = new Publisher({ ...options, device: this.#device });
    this.#publisher.on('localtrackclosed', (local, reason) =>
      this.safeEmit('localtrackclosed', local, reason),
    );
    this.#publisher.on('localmute', (local, muted, by) =>
      this.safeEmit('localmute', local, muted, by),
    );
  }

  /** Loads the Device with the router's capabilities and creates both transports. */
  start(routerRtpCapabilities: unknown): Promise<void> {
    return this.#run('starting media', async () => {
      await this.#device.load({
        routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities,
      });
      await this.#createTransports();
    });
  }

  /** Sends `track` (camera: VP8, microphone: Opus) through the encrypting transform. */
  publish(track: MediaStreamTrack): Promise<LocalTrack> {
    return this.#run(`publishing ${track.kind}`, () => this.#publisher.publish(track));
  }

  unpublish(local: LocalTrack): Promise<void> {
    return this.#run('unpublishing', () => this.#publisher.unpublish(local));
  }

  replaceTrack(local: LocalTrack, track: MediaStreamTrack): Promise<void> {
    return this.#run('replacing a track', () => this.#publisher.replaceTrack(local, track));
  }

  /** Mutes or unmutes a published track, here and on the server (see Publisher). */
  setMuted(local: LocalTrack, muted: boolean): Promise<void> {
    return this.#run(muted ? 'muting' : 'unmuting', () => this.#publisher.setMuted(local, muted));
  }

  /** A host paused our producers of `kind` on the server: our tracks follow. */
  mutedByHost(kind: MediaKind): Promise<void> {
    return this.#run('muted by a host', () => this.#publisher.mutedByHost(kind));
  }

  /** Receives another participant's producer; resumes it once the decrypting transform is on. */
  consume(producerId: string, participantId: string): Promise<RemoteTrack | undefined> {
    return this.#run('consuming', async () => {
      const transport = this.#recv;
      if (transport === undefined || this.#isConsuming(producerId)) return undefined;
      const { signaling, worker, environment } = this.#options;
      const answer = await signaling.request('consume', { transportId: transport.id, producerId });
      // The receive transform accepts only this participant's KIDs: the two must agree.
      if (answer.participantId !== participantId) {
        throw new SkjermClientError(
          'invalid-message',
          `consume: producer ${producerId} was announced for another participant`,
        );
      }
      const kind = answer.kind;
      const consumer = await transport.consume({
        id: answer.consumerId,
        producerId: answer.producerId,
        kind,
        rtpParameters: answer.rtpParameters as unknown as types.RtpParameters,
        onRtpReceiver: (receiver) =>
          attachE2eeTransform(
            receiver,
            worker,
            {
              direction: 'receive',
              codec: CODEC_OF_KIND[kind],
              participantId: answer.participantId,
            },
            environment,
          ),
      });
      const remote: RemoteTrack = {
        consumerId: consumer.id,
        producerId,
        participantId: answer.participantId,
        kind,
        track: consumer.track,
      };
      this.#consumers.set(consumer.id, { consumer, remote });
      await signaling.request('resumeConsumer', { consumerId: consumer.id });
      this.safeEmit('track', remote);
      return remote;
    });
  }

  /** The server closed a consumer (its producer went away). */
  consumerClosed(consumerId: string): void {
    const entry = this.#consumers.get(consumerId);
    if (entry === undefined) return;
    this.#consumers.delete(consumerId);
    entry.consumer.close();
    this.safeEmit('trackended', entry.remote);
  }

  /** The server closed one of our producers. */
  producerClosed(producerId: string, reason: string): void {
    this.#publisher.producerClosed(producerId, reason);
  }

  /** Tells the server the KIDs every producer may use from now on. */
  announceKids(kids: readonly number[]): Promise<void> {
    return this.#run('announcing KIDs', () => this.#publisher.announceKids(kids));
  }

  /**
   * The server's media node restarted: every transport, producer and consumer is gone there.
   * Drops ours, creates transports again and re-produces every published track; others'
   * producers come back through newProducer.
   */
  reset(): Promise<void> {
    return this.#run('recovering from a media reset', async () => {
      this.#closeTransports();
      await this.#createTransports();
      await this.#publisher.reproduce();
    });
  }

  /** New ICE credentials from the server for both transports (after a resumed session). */
  restartIce(): Promise<void> {
    return this.#run('restarting ICE', async () => {
      for (const transport of [this.#send, this.#recv]) {
        if (transport === undefined || transport.closed) continue;
        const { iceParameters, iceServers } = await this.#options.signaling.request('restartIce', {
          transportId: transport.id,
        });
        // Fresh TURN credentials first: the old ones may have expired during a long call.
        if (iceServers !== undefined) {
          await transport.updateIceServers({ iceServers: iceServers as RTCIceServer[] });
        }
        await transport.restartIce({
          iceParameters: iceParameters as unknown as types.IceParameters,
        });
      }
    });
  }

  getStats(): Promise<{ outbound: OutboundStats[]; inbound: InboundStats[] }> {
    return collectStats(this.#publisher.published, [...this.#consumers.values()], this.#meter);
  }

  get remoteTracks(): RemoteTrack[] {
    return [...this.#consumers.values()].map(({ remote }) => remote);
  }

  get localTracks(): LocalTrack[] {
    return this.#publisher.tracks;
  }

  /** Closes transports (and so every producer and consumer); published tracks keep running. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeTransports();
    this.#publisher.clear();
  }

  #isConsuming(producerId: string): boolean {
    return [...this.#consumers.values()].some(({ remote }) => remote.producerId === producerId);
  }

  async #createTransports(): Promise<void> {
    const { signaling, transformApi, kids, iceTransportPolicy } = this.#options;
    const wiring = {
      device: this.#device,
      signaling,
      rtcConfiguration: peerConnectionSettings(transformApi),
      iceTransportPolicy,
      kids,
      onConnectionState: (direction: 'send' | 'recv', state: string) =>
        this.safeEmit('connectionstate', direction, state),
    };
    this.#send = await createTransport('send', wiring);
    this.#publisher.useTransport(this.#send);
    this.#recv = await createTransport('recv', wiring);
  }

  #closeTransports(): void {
    for (const { remote } of this.#consumers.values()) this.safeEmit('trackended', remote);
    this.#consumers.clear();
    this.#publisher.dropTransport();
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
  }

  #run<T>(what: string, task: () => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new SkjermClientError('invalid-state', `${what}: media is closed`);
      try {
        return await task();
      } catch (error) {
        throw toClientError(error, 'media-failed', what);
      }
    });
  }
}
