import type { Logger } from 'pino';
import { MediaRoom, type MediaRoomOptions } from '../media/media-room.ts';
import type { MediaCensus } from '../metrics/metrics.ts';
import { Consultation } from './consultation.ts';

/**
 * The consultations live on this node, each with its media room. A consultation exists while
 * someone is in it: the first join creates its room, the last leave closes it.
 */
export class ConsultationRegistry implements MediaCensus {
  readonly #live = new Map<string, Consultation>();
  readonly #opening = new Map<string, Promise<Consultation>>();
  readonly #mediaOptions: MediaRoomOptions;
  readonly #log: Logger;
  /** Hook for rejected producers (audit, metrics). */
  onProducerRejected:
    | ((consultation: Consultation, participantId: string, reason: string) => void)
    | undefined;

  constructor(mediaOptions: MediaRoomOptions, log: Logger) {
    this.#mediaOptions = mediaOptions;
    this.#log = log;
  }

  get(id: string): Consultation | undefined {
    return this.#live.get(id);
  }

  async open(id: string): Promise<Consultation> {
    const live = this.#live.get(id);
    if (live) return live;
    // Two first joins at once must share one room.
    let opening = this.#opening.get(id);
    if (!opening) {
      opening = this.#create(id).finally(() => this.#opening.delete(id));
      this.#opening.set(id, opening);
    }
    return opening;
  }

  async #create(id: string): Promise<Consultation> {
    const media = await MediaRoom.create({
      ...this.#mediaOptions,
      log: this.#log.child({ consultationId: id }),
    });
    const consultation = new Consultation(id, media);
    media.on('producerrejected', (_producerId, participantId, verdict) =>
      this.onProducerRejected?.(consultation, participantId, verdict.reason),
    );
    consultation.on('empty', () => {
      this.#live.delete(id);
      media.close();
    });
    this.#live.set(id, consultation);
    return consultation;
  }

  rooms(): number {
    return this.#live.size;
  }

  counts() {
    const total = { transports: 0, producers: 0, consumers: 0 };
    for (const { media } of this.#live.values()) {
      const counts = media.counts();
      total.transports += counts.transports;
      total.producers += counts.producers;
      total.consumers += counts.consumers;
    }
    return total;
  }

  async bitrates() {
    const all = await Promise.all([...this.#live.values()].map(({ media }) => media.bitrates()));
    return all.reduce((sum, b) => ({ recv: sum.recv + b.recv, send: sum.send + b.send }), {
      recv: 0,
      send: 0,
    });
  }

  closeAll(): void {
    for (const { media } of this.#live.values()) media.close();
    this.#live.clear();
  }
}
