import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import { type ConsultationMedia, sumBitrates, sumCounts } from '../media/consultation-media.ts';
import type { MediaCensus } from '../metrics/metrics.ts';
import type { BookingStore } from './booking.ts';
import { Consultation, type ParticipantChannel } from './consultation.ts';
import type { ConsultationSnapshot } from './consultation-snapshot.ts';

/** Where live consultations' state is shared with other signaling nodes (cluster mode). */
export interface SharedConsultations {
  saveState(consultationId: string, state: ConsultationSnapshot): void;
  loadState(consultationId: string): Promise<ConsultationSnapshot | undefined>;
  /** The consultation is no longer live here. */
  release(consultationId: string): void;
}

/**
 * Stands in for the connections of a consultation taken over from a node that died, until
 * each client resumes here: what it is told meanwhile is summed up by the resume.
 */
export const absentChannel: ParticipantChannel = {
  notify: () => undefined,
  admitted: () => undefined,
  detached: () => undefined,
};

/** Those of a taken-over consultation who have not resumed by then have left. */
const TAKEOVER_GRACE_MS = 15_000;

/** Opens a consultation's media: a room in this process, or rooms on media nodes. */
export type OpenMedia = (consultationId: string) => Promise<ConsultationMedia>;

/**
 * The consultations live on this node, each with its media. A booked consultation
 * becomes live when the first person enters and stops being live when the last one leaves
 * (it can be entered again) or when a host ends it (it cannot).
 */
export class ConsultationRegistry implements MediaCensus {
  readonly store: BookingStore;
  readonly #live = new Map<string, Consultation>();
  readonly #opening = new Map<string, Promise<Consultation>>();
  readonly #openMedia: OpenMedia;
  readonly #log: Logger;
  #shared: SharedConsultations | undefined;
  /** Hook for rejected producers (audit, metrics). */
  /** Hook for those of a taken-over consultation who never resumed (audit). */
  onDroppedAfterTakeover:
    | ((consultation: Consultation, dropped: { participants: string[]; waiting: string[] }) => void)
    | undefined;
  onProducerRejected:
    | ((consultation: Consultation, participantId: string, reason: string) => void)
    | undefined;

  constructor(store: BookingStore, openMedia: OpenMedia, log: Logger) {
    this.store = store;
    this.#openMedia = openMedia;
    this.#log = log;
  }

  /** Cluster mode: live state goes to other signaling nodes too, and may come from them. */
  share(shared: SharedConsultations): void {
    this.#shared = shared;
  }

  /** Whether a consultation is live here or being opened (cluster: its lease is needed). */
  isLiveOrOpening(id: string): boolean {
    return this.#live.has(id) || this.#opening.has(id);
  }

  /** The consultations live on this node. */
  live(): IterableIterator<Consultation> {
    return this.#live.values();
  }

  get(id: string): Consultation | undefined {
    return this.#live.get(id);
  }

  /** The live consultation for a booking, opening its media room on first use. */
  async open(id: string): Promise<Consultation> {
    const live = this.#live.get(id);
    if (live) return live;
    const booking = this.store.get(id);
    if (!booking) throw new RequestError('not-found', 'no such consultation');
    if (booking.status === 'ended') {
      throw new RequestError('consultation-ended', 'this consultation has ended');
    }
    // Two first arrivals at once must share one room.
    let opening = this.#opening.get(id);
    if (!opening) {
      opening = this.#create(id).finally(() => this.#opening.delete(id));
      this.#opening.set(id, opening);
    }
    return opening;
  }

  /**
   * Takes over a consultation whose signaling node died, from the state it shared;
   * undefined when there is none (then it starts afresh on the next join).
   */
  async restore(id: string): Promise<Consultation | undefined> {
    const live = this.#live.get(id);
    if (live) return live;
    const shared = this.#shared;
    if (!shared) return undefined;
    // Nothing to take over: no state, an ended booking, or nobody left in it.
    const snapshot = await shared.loadState(id);
    const booking = this.store.get(id);
    if (!snapshot || !booking || booking.status === 'ended' || snapshot.ended) return undefined;
    if (snapshot.members.length === 0 && snapshot.waiting.length === 0) return undefined;
    let opening = this.#opening.get(id);
    if (!opening) {
      opening = this.#create(id).finally(() => this.#opening.delete(id));
      this.#opening.set(id, opening);
    }
    const consultation = await opening;
    return consultation;
  }

  async #create(id: string): Promise<Consultation> {
    const booking = this.store.get(id);
    if (!booking) throw new RequestError('not-found', 'no such consultation');
    const saved = await this.#shared?.loadState(id);
    // An ended or empty consultation's state is nothing to take over: start afresh.
    const snapshot =
      saved && !saved.ended && saved.members.length + saved.waiting.length > 0 ? saved : undefined;
    const media = await this.#openMedia(id);
    const clinicians = this.store.clinicians(id);
    const consultation = snapshot
      ? Consultation.restore(
          booking,
          clinicians,
          this.store.invitees(id),
          media,
          snapshot,
          absentChannel,
        )
      : new Consultation(booking, clinicians, media);
    if (snapshot) {
      this.#log.info({ consultationId: id }, 'consultation taken over from another signaling node');
      setTimeout(() => {
        if (this.#live.get(id) !== consultation) return;
        // Audited before anyone is told: the log never lags what the others see.
        const dropped = consultation.reachedOnlyThrough(absentChannel);
        if (dropped.participants.length + dropped.waiting.length > 0) {
          this.onDroppedAfterTakeover?.(consultation, dropped);
        }
        consultation.dropAbsent(absentChannel);
      }, TAKEOVER_GRACE_MS).unref();
    }
    const shared = this.#shared;
    if (shared) {
      consultation.on('changed', () => {
        // Only while live here: an abandoned or closed one's late events are not the state.
        if (this.#live.get(id) === consultation) shared.saveState(id, consultation.snapshot());
      });
    }
    media.on('producerrejected', (_producerId, participantId, verdict) =>
      this.onProducerRejected?.(consultation, participantId, verdict.reason),
    );
    consultation.on('empty', () => this.#close(consultation));
    consultation.on('ended', () => {
      // Close the room first: an ended consultation must not stay joinable even if storage fails.
      this.#close(consultation);
      try {
        this.store.setStatus(id, 'ended', new Date());
      } catch (error) {
        this.#log.error({ err: error, consultationId: id }, 'cannot mark the consultation ended');
      }
    });
    const logListenerError = (event: string, error: unknown) =>
      this.#log.error({ err: error, event, consultationId: id }, 'listener failed');
    consultation.on('listenererror', logListenerError);
    media.on('listenererror', logListenerError);
    if (booking.status === 'booked') this.store.setStatus(id, 'live', new Date());
    this.#live.set(id, consultation);
    return consultation;
  }

  /** Another signaling node took this consultation over: let go without touching its state. */
  abandon(id: string): void {
    const consultation = this.#live.get(id);
    if (!consultation) return;
    this.#live.delete(id);
    this.#log.warn({ consultationId: id }, 'consultation now held by another signaling node');
    consultation.abandon();
  }

  #close(consultation: Consultation): void {
    if (this.#live.get(consultation.id) !== consultation) return;
    this.#live.delete(consultation.id);
    this.#shared?.release(consultation.id);
    consultation.media.close();
  }

  rooms(): number {
    return this.#live.size;
  }

  counts() {
    return sumCounts([...this.#live.values()].map(({ media }) => media.counts()));
  }

  async bitrates() {
    return sumBitrates(
      await Promise.all([...this.#live.values()].map(({ media }) => media.bitrates())),
    );
  }

  closeAll(): void {
    for (const { media } of this.#live.values()) media.close();
    this.#live.clear();
  }
}
