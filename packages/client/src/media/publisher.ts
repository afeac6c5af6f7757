import {
  attachE2eeTransform,
  type TransformEnvironment,
  type TransformWorkerLike,
} from '@skjerm/e2ee';
import type { Device, types } from 'mediasoup-client';
import { SkjermClientError } from '../errors.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import {
  CODEC_OF_KIND,
  type LocalTrack,
  type MediaKind,
  MIME_OF_KIND,
  type MuteSource,
  Published,
} from './tracks.ts';
import type { MediaSignaling } from './transport.ts';

export interface PublisherOptions {
  readonly device: Device;
  readonly signaling: MediaSignaling;
  /** The E2EE transform worker every sender is attached to. */
  readonly worker: TransformWorkerLike;
  readonly environment: TransformEnvironment;
  /** The local participant (names the send transforms). */
  readonly participantId: string;
}

export type PublisherEvents = {
  /** The server closed one of our producers: 'not-e2ee' means its frames failed the check. */
  localtrackclosed: [local: LocalTrack, reason: string];
  /** A local track was muted or unmuted (only on a change of state). */
  localmute: [local: LocalTrack, muted: boolean, by: MuteSource];
  listenererror: [event: string, error: unknown];
};

/**
 * The sending half of a MediaSession: the published tracks, each with its producer on the send
 * transport (the encrypting transform attached when its RTCRtpSender is created, before a frame
 * exists) and its muted state, which outlives the producer so that media re-produced after a
 * reset keeps it. MediaSession calls it from its queue, one operation at a time.
 */
export class Publisher extends TypedEmitter<PublisherEvents> {
  readonly #options: PublisherOptions;
  readonly #published: Published[] = [];
  #transport: types.Transport | undefined;

  constructor(options: PublisherOptions) {
    super();
    this.#options = options;
  }

  get tracks(): LocalTrack[] {
    return [...this.#published];
  }

  /** For stats: each track with its current producer. */
  get published(): readonly Published[] {
    return this.#published;
  }

  /** A new send transport: producers are created there from now on. */
  useTransport(transport: types.Transport): void {
    this.#transport = transport;
  }

  /** The send transport is gone (media reset, close): so are the producers on it. */
  dropTransport(): void {
    this.#transport = undefined;
    for (const published of this.#published) published.producer = undefined;
  }

  /** Forgets every track (the call is over); the tracks themselves belong to the app. */
  clear(): void {
    this.dropTransport();
    this.#published.length = 0;
  }

  /** Sends `track` (camera: VP8, microphone: Opus) through the encrypting transform. */
  async publish(track: MediaStreamTrack): Promise<LocalTrack> {
    const published = new Published(track);
    await this.#produce(published);
    this.#published.push(published);
    return published;
  }

  async unpublish(local: LocalTrack): Promise<void> {
    const index = this.#published.indexOf(local as Published);
    const published = this.#published[index];
    if (published === undefined) return;
    this.#published.splice(index, 1);
    const producerId = published.producer?.id;
    published.producer?.close();
    if (producerId !== undefined) {
      await this.#options.signaling.request('closeProducer', { producerId });
    }
  }

  /** Produces every published track again, on the transport given last (after a reset). */
  async reproduce(): Promise<void> {
    for (const published of this.#published) await this.#produce(published);
  }

  /** The server closed one of our producers. */
  producerClosed(producerId: string, reason: string): void {
    const published = this.#published.find((p) => p.producer?.id === producerId);
    if (published === undefined) return;
    published.producer?.close();
    published.producer = undefined;
    if (reason !== 'media-reset') this.safeEmit('localtrackclosed', published, reason);
  }

  /** Tells the server the KIDs every producer may use from now on. */
  async announceKids(kids: readonly number[]): Promise<void> {
    for (const { producer } of this.#published) {
      if (producer === undefined || producer.closed) continue;
      await this.#options.signaling.request('announceKids', {
        producerId: producer.id,
        kids: [...kids],
      });
    }
  }

  /**
   * Pauses or resumes a published track, here and on the server. mediasoup-client's pause
   * disables the track (disableTrackOnPause), so the encoder has nothing to encode; the
   * server's pause stops forwarding and shows the track as off in the roster.
   */
  async setMuted(local: LocalTrack, muted: boolean): Promise<void> {
    const published = this.#published.find((p) => p === local);
    if (published === undefined) {
      throw new SkjermClientError('invalid-state', 'that track is not published');
    }
    if (published.muted === muted) return;
    published.muted = muted;
    await this.#applyMuted(published);
    this.safeEmit('localmute', published, muted, 'self');
  }

  /**
   * Sends `track` in place of the published one (a camera reopened after being switched
   * off, another camera): same producer, same sender, so the E2EE transform stays attached
   * and nothing is renegotiated. The old track is the app's to stop.
   */
  async replaceTrack(local: LocalTrack, track: MediaStreamTrack): Promise<void> {
    const published = this.#published.find((p) => p === local);
    if (published === undefined) {
      throw new SkjermClientError('invalid-state', 'that track is not published');
    }
    if (track.kind !== published.kind) {
      throw new SkjermClientError(
        'invalid-state',
        `a ${track.kind} track cannot replace ${published.kind}`,
      );
    }
    published.track = track;
    const producer = published.producer;
    // Without a producer (a media reset in progress) the next #produce sends the new track.
    if (producer !== undefined && !producer.closed) await producer.replaceTrack({ track });
  }

  /**
   * A host paused our producers of `kind` on the server: our tracks follow, so the state the
   * participant sees is the server's. Unmuting is then the participant's own setMuted(false).
   */
  async mutedByHost(kind: MediaKind): Promise<void> {
    for (const published of this.#published) {
      if (published.kind !== kind || published.muted) continue;
      published.muted = true;
      // Asked again of the server: a producer created while the host's mute was in flight
      // was not among those it paused.
      await this.#applyMuted(published);
      this.safeEmit('localmute', published, true, 'host');
    }
  }

  async #produce(published: Published): Promise<void> {
    const transport = this.#transport;
    if (transport === undefined) throw new SkjermClientError('invalid-state', 'no send transport');
    const { device, worker, environment, participantId } = this.#options;
    const codec = device.sendRtpCapabilities.codecs?.find(
      (c) => c.mimeType.toLowerCase() === MIME_OF_KIND[published.kind],
    );
    if (codec === undefined) {
      throw new SkjermClientError(
        'media-failed',
        `this browser cannot send ${MIME_OF_KIND[published.kind]}`,
      );
    }
    published.producer = await transport.produce({
      track: published.track,
      codec,
      // The app owns its tracks: they survive unpublish and media resets.
      stopTracks: false,
      onRtpSender: (sender) =>
        attachE2eeTransform(
          sender,
          worker,
          { direction: 'send', codec: CODEC_OF_KIND[published.kind], participantId },
          environment,
        ),
    });
    // A re-produced track (after a media reset) stays muted; the server's new producer starts
    // unpaused, so it is told.
    if (published.muted) await this.#applyMuted(published);
  }

  /** Brings the current producer, here and on the server, to the track's muted state. */
  async #applyMuted(published: Published): Promise<void> {
    const producer = published.producer;
    // Without a producer (between a media reset and re-producing) #produce applies it later.
    if (producer === undefined || producer.closed) return;
    if (published.muted) producer.pause();
    else producer.resume();
    await this.#options.signaling.request('setProducerPaused', {
      producerId: producer.id,
      paused: published.muted,
    });
  }
}
