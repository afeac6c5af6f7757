import type { E2eeStats, KeyEnvelope, TransformEnvironment } from '@skjerm/e2ee';
import {
  type JoinedResult,
  MAX_ENVELOPES_PER_REQUEST,
  type NotificationData,
  type NotificationName,
  type RosterMember,
} from '@skjerm/protocol';
import type { types } from 'mediasoup-client';
import type { EncodedTransformApi } from './capabilities.ts';
import { PendingIdentity } from './e2ee/pending-identity.ts';
import { type SenderKeyChange, SessionKeys } from './e2ee/session-keys.ts';
import { SkjermClientError, toClientError } from './errors.ts';
import { TypedEmitter } from './lib/typed-emitter.ts';
import { MediaSession } from './media/media-session.ts';
import type { InboundStats, OutboundStats } from './media/media-stats.ts';
import { receiveCapabilities } from './media/receive-capabilities.ts';
import type { LocalTrack, MediaKind, MuteSource, RemoteTrack } from './media/tracks.ts';
import type { MediaSignaling } from './media/transport.ts';
import type { Notification } from './signaling/signaling-connection.ts';

export interface CallOptions {
  readonly signaling: MediaSignaling;
  readonly worker: Worker;
  readonly transformApi: EncodedTransformApi;
  readonly environment: TransformEnvironment;
  readonly handlerFactory?: types.HandlerFactory | undefined;
  readonly iceTransportPolicy?: 'all' | 'relay' | undefined;
}

/** What getStats reports: the E2EE worker's frame counters and each RTP stream. */
export interface ClientStats {
  readonly e2ee: E2eeStats;
  readonly outbound: readonly OutboundStats[];
  readonly inbound: readonly InboundStats[];
}

/** Notifications about the call itself, handled by the Call (the rest by SkjermClient). */
export const CALL_NOTIFICATIONS = [
  'rosterChanged',
  'newProducer',
  'producerClosed',
  'consumerClosed',
  'keyEnvelope',
  'mediaReset',
  'mutedByHost',
] as const satisfies readonly NotificationName[];

export type CallNotification = (typeof CALL_NOTIFICATIONS)[number];

type CallNotificationFrame = Extract<Notification, { notification: CallNotification }>;

export function isCallNotification(frame: Notification): frame is CallNotificationFrame {
  return (CALL_NOTIFICATIONS as readonly string[]).includes(frame.notification);
}

type CallNotificationHandlers = {
  [N in CallNotification]: (data: NotificationData<N>) => void;
};

export type CallEvents = {
  roster: [roster: readonly RosterMember[]];
  mediareset: [];
  safetycode: [code: string];
  senderkey: [change: SenderKeyChange];
  keyerror: [error: SkjermClientError];
  track: [remote: RemoteTrack];
  trackended: [remote: RemoteTrack];
  localtrackclosed: [local: LocalTrack, reason: string];
  localmute: [local: LocalTrack, muted: boolean, by: MuteSource];
  mutedbyhost: [kind: MediaKind];
  connectionstate: [direction: 'send' | 'recv', state: string];
  error: [error: SkjermClientError];
  listenererror: [event: string, error: unknown];
};

/**
 * One stay in one consultation: this join's keys and media. Created before `join` (the keys'
 * public halves go into it), entered with the joined answer, closed on leaving. Who may be
 * consumed follows the roster the server sends; keys follow it too (SessionKeys).
 */
export class Call extends TypedEmitter<CallEvents> {
  readonly #options: CallOptions;
  readonly #keys: SessionKeys;
  #media: MediaSession | undefined;
  #roster: readonly RosterMember[] = [];
  #closed = false;

  private constructor(options: CallOptions, identity: PendingIdentity) {
    super();
    this.#options = options;
    const keys = new SessionKeys(identity, {
      worker: options.worker,
      relay: (envelopes) => relayEnvelopes(options.signaling, envelopes),
      announce: (kids) => this.#media?.announceKids(kids) ?? Promise.resolve(),
    });
    this.#keys = keys;
    keys.on('safetycode', (code) => this.safeEmit('safetycode', code));
    keys.on('senderkey', (change) => this.safeEmit('senderkey', change));
    keys.on('keyerror', (error) => this.safeEmit('keyerror', error));
  }

  /** Generates this join's E2EE identity. */
  static async prepare(options: CallOptions): Promise<Call> {
    return new Call(options, await PendingIdentity.generate());
  }

  /** What `join` sends as rtpCapabilities (see receive-capabilities.ts). */
  receiveCapabilities(): Promise<types.RtpCapabilities> {
    return receiveCapabilities(this.#options.handlerFactory);
  }

  get publicKeys(): { boxPublicKey: string; signPublicKey: string } {
    return this.#keys.publicKeys;
  }

  get participantId(): string | undefined {
    return this.#keys.participantId;
  }

  get roster(): readonly RosterMember[] {
    return this.#roster;
  }

  get safetyCode(): string | undefined {
    return this.#keys.safetyCode;
  }

  get senderKid(): bigint | undefined {
    return this.#keys.senderKid;
  }

  get remoteTracks(): RemoteTrack[] {
    return this.#media?.remoteTracks ?? [];
  }

  get localTracks(): LocalTrack[] {
    return this.#media?.localTracks ?? [];
  }

  /** In the call: keys for the first roster, transports, and everyone's media. */
  async enter(joined: JoinedResult): Promise<void> {
    if (this.#media !== undefined) throw new SkjermClientError('invalid-state', 'already entered');
    this.#keys.bind(joined.participantId);
    const keysReady = this.#applyRoster(joined.roster);
    const media = new MediaSession({
      ...this.#options,
      participantId: joined.participantId,
      kids: () => this.#keys.announcedKids(),
    });
    this.#media = media;
    media.on('track', (remote) => this.safeEmit('track', remote));
    media.on('trackended', (remote) => this.safeEmit('trackended', remote));
    media.on('localtrackclosed', (local, reason) =>
      this.safeEmit('localtrackclosed', local, reason),
    );
    media.on('localmute', (local, muted, by) => this.safeEmit('localmute', local, muted, by));
    media.on('connectionstate', (direction, state) =>
      this.safeEmit('connectionstate', direction, state),
    );
    await media.start(joined.routerRtpCapabilities);
    await keysReady;
    for (const { producerId, participantId } of joined.producers) {
      this.#consume(producerId, participantId);
    }
  }

  handleNotification(frame: CallNotificationFrame): void {
    if (this.#closed) return;
    (this.#handlers[frame.notification] as (data: unknown) => void)(frame.data);
  }

  readonly #handlers: CallNotificationHandlers = {
    rosterChanged: ({ roster }) => {
      void this.#applyRoster(roster);
      this.safeEmit('roster', roster);
    },
    newProducer: ({ producerId, participantId }) => this.#consume(producerId, participantId),
    producerClosed: ({ producerId, reason }) => this.#media?.producerClosed(producerId, reason),
    consumerClosed: ({ consumerId }) => this.#media?.consumerClosed(consumerId),
    keyEnvelope: ({ from, envelope }) => void this.#keys.receiveEnvelope(from, envelope),
    mediaReset: () => {
      this.safeEmit('mediareset');
      this.#media?.reset().catch((error: unknown) => this.#fail(error));
    },
    mutedByHost: ({ kind }) => {
      this.safeEmit('mutedbyhost', kind);
      this.#media?.mutedByHost(kind).catch((error: unknown) => this.#fail(error));
    },
  };

  async publish(track: MediaStreamTrack): Promise<LocalTrack> {
    const media = this.#requireMedia();
    await this.#keys.ready;
    if (this.#keys.senderKid === undefined) {
      throw new SkjermClientError('e2ee-failed', 'there is no sender key, so nothing may be sent');
    }
    return media.publish(track);
  }

  unpublish(local: LocalTrack): Promise<void> {
    return this.#requireMedia().unpublish(local);
  }

  replaceTrack(local: LocalTrack, track: MediaStreamTrack): Promise<void> {
    return this.#requireMedia().replaceTrack(local, track);
  }

  setMuted(local: LocalTrack, muted: boolean): Promise<void> {
    return this.#requireMedia().setMuted(local, muted);
  }

  /** After a resumed session: the transports are still on the server; restart their ICE. */
  async restartIce(): Promise<void> {
    try {
      await this.#media?.restartIce();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** TEST ONLY: see SkjermClient.samplePlaintextFrames. */
  samplePlaintextFrames(count: number): Promise<Uint8Array[]> {
    this.#requireMedia();
    return this.#keys.samplePlaintextFrames(count);
  }

  async getStats(): Promise<ClientStats> {
    const [e2ee, media] = await Promise.all([
      this.#keys.getStats(),
      this.#requireMedia().getStats(),
    ]);
    return { e2ee, ...media };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#media?.close();
    this.#keys.dispose();
  }

  #applyRoster(roster: readonly RosterMember[]): Promise<void> {
    this.#roster = roster;
    return this.#keys.applyRoster(roster);
  }

  /** Consumes a roster member's producer in the background; failures become 'error' events. */
  #consume(producerId: string, participantId: string): void {
    if (!this.#roster.some((member) => member.participantId === participantId)) return;
    this.#media?.consume(producerId, participantId).catch((error: unknown) => this.#fail(error));
  }

  #requireMedia(): MediaSession {
    const media = this.#media;
    if (media === undefined || this.#closed) {
      throw new SkjermClientError('invalid-state', 'not in a consultation');
    }
    return media;
  }

  #fail(error: unknown): void {
    if (!this.#closed) this.safeEmit('error', toClientError(error, 'media-failed'));
  }
}

async function relayEnvelopes(
  signaling: MediaSignaling,
  envelopes: readonly KeyEnvelope[],
): Promise<void> {
  for (let start = 0; start < envelopes.length; start += MAX_ENVELOPES_PER_REQUEST) {
    const batch = envelopes.slice(start, start + MAX_ENVELOPES_PER_REQUEST);
    await signaling.request('relayKeys', {
      envelopes: batch.map((envelope) => ({
        to: envelope.to,
        envelope: { ...envelope } as Record<string, unknown>,
      })),
    });
  }
}
