import type { NotificationData, NotificationName, Role, RosterMember } from '@skjerm/protocol';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { MediaRoom } from '../media/media-room.ts';

/** How a consultation reaches one participant's connection. */
export interface ParticipantChannel {
  notify<N extends NotificationName>(notification: N, data: NotificationData<N>): void;
}

export interface JoiningParticipant {
  participantId: string;
  name: string;
  role: Role;
  boxPublicKey: string;
  signPublicKey: string;
  channel: ParticipantChannel;
}

interface Member extends JoiningParticipant {
  senderSlot: number;
}

export type ConsultationEvents = {
  /** The last participant left. */
  empty: [];
  listenererror: [event: string, error: unknown];
};

const MAX_SENDER_SLOT = 0xffff;

/**
 * Who is in a consultation and what each of them sees. Owns the roster (and so who may
 * receive media and key envelopes) and tells every member of every change; the media room
 * carries the media and knows nothing of roles.
 */
export class Consultation extends TypedEmitter<ConsultationEvents> {
  readonly id: string;
  readonly media: MediaRoom;
  readonly #members = new Map<string, Member>();
  // Slots are never reused within a consultation: a KID names one participant for good, so a
  // late frame under an old KID can never be taken for a newcomer's.
  #nextSlot = 1;

  constructor(id: string, media: MediaRoom) {
    super();
    this.id = id;
    this.media = media;
    media.on('producerready', (producerId, participantId, kind) => {
      this.#broadcast('newProducer', { producerId, participantId, kind }, participantId);
      this.#rosterChanged();
    });
    media.on('producerclosed', (producerId, participantId, reason) => {
      this.#members.get(participantId)?.channel.notify('producerClosed', { producerId, reason });
      this.#rosterChanged();
    });
    media.on('consumerclosed', (consumerId, participantId, producerId) => {
      this.#members
        .get(participantId)
        ?.channel.notify('consumerClosed', { consumerId, producerId });
    });
    media.on('reset', () => this.#broadcast('mediaReset', { reason: 'worker-died' }));
  }

  has(participantId: string): boolean {
    return this.#members.has(participantId);
  }

  get size(): number {
    return this.#members.size;
  }

  senderSlotOf(participantId: string): number | undefined {
    return this.#members.get(participantId)?.senderSlot;
  }

  join(participant: JoiningParticipant): { senderSlot: number; roster: RosterMember[] } {
    if (this.#nextSlot > MAX_SENDER_SLOT)
      throw new Error('consultation has used every sender slot');
    const member: Member = { ...participant, senderSlot: this.#nextSlot++ };
    this.#members.set(member.participantId, member);
    this.#rosterChanged(member.participantId);
    return { senderSlot: member.senderSlot, roster: this.roster() };
  }

  leave(participantId: string): void {
    if (!this.#members.delete(participantId)) return;
    this.media.removeParticipant(participantId);
    this.#rosterChanged();
    if (this.#members.size === 0) this.safeEmit('empty');
  }

  roster(): RosterMember[] {
    const sending = new Map<string, { audio: boolean; video: boolean }>();
    for (const { participantId, kind } of this.media.readyProducers()) {
      const state = sending.get(participantId) ?? { audio: false, video: false };
      state[kind] = true;
      sending.set(participantId, state);
    }
    return [...this.#members.values()].map((member) => ({
      participantId: member.participantId,
      name: member.name,
      role: member.role,
      senderSlot: member.senderSlot,
      boxPublicKey: member.boxPublicKey,
      signPublicKey: member.signPublicKey,
      audio: sending.get(member.participantId)?.audio ?? false,
      video: sending.get(member.participantId)?.video ?? false,
    }));
  }

  /**
   * Passes sealed key envelopes to their addressees, who must be on the roster; envelopes
   * for anyone else are dropped. The envelope is opaque here: never read, stored or logged.
   */
  relayKeys(from: string, envelopes: readonly { to: string; envelope: Record<string, unknown> }[]) {
    let delivered = 0;
    for (const { to, envelope } of envelopes) {
      const member = to === from ? undefined : this.#members.get(to);
      if (!member) continue;
      member.channel.notify('keyEnvelope', { from, envelope });
      delivered++;
    }
    return delivered;
  }

  /** Tells every member except `except`, e.g. the one who caused it and got a response. */
  #broadcast<N extends NotificationName>(
    notification: N,
    data: NotificationData<N>,
    except?: string,
  ): void {
    for (const member of this.#members.values()) {
      if (member.participantId !== except) member.channel.notify(notification, data);
    }
  }

  #rosterChanged(except?: string): void {
    this.#broadcast('rosterChanged', { roster: this.roster() }, except);
  }
}
