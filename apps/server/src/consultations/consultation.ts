import { randomUUID } from 'node:crypto';
import type {
  JoinedResult,
  NotificationData,
  NotificationName,
  Role,
  RosterMember,
  WaitingEntry,
} from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import type { VerifiedIdentity } from '../auth/identity.ts';
import { RequestError } from '../lib/request-error.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { ConsultationMedia } from '../media/consultation-media.ts';
import type { BookedClinician, BookedInvitee, Booking } from './booking.ts';
import type { ConsultationSnapshot } from './consultation-snapshot.ts';

/** How a consultation reaches one participant's connection, and changes its state. */
export interface ParticipantChannel {
  notify<N extends NotificationName>(notification: N, data: NotificationData<N>): void;
  /** The participant was admitted from the waiting room. */
  admitted(consultation: Consultation, participantId: string): void;
  /** The participant is no longer in the consultation (denied, removed, ended). */
  detached(): void;
  /**
   * Another signaling node took the consultation over (cluster mode): the client reconnects
   * and resumes there; nothing is left.
   */
  moveOut?(): void;
}

/** A person entering: verified by the IdP, with this session's E2EE keys. */
export interface Arrival
  extends Pick<
    VerifiedIdentity,
    'issuer' | 'subject' | 'name' | 'role' | 'nationalId' | 'assurance'
  > {
  boxPublicKey: string;
  signPublicKey: string;
  rtpCapabilities: mediasoupTypes.RtpCapabilities;
  channel: ParticipantChannel;
}

interface Member {
  participantId: string;
  /** issuer + subject: who this is, to keep a removed person out. */
  person: string;
  /** The name others see (in group mode, patients' display name set by the clinician). */
  name: string;
  role: Role;
  host: boolean;
  inviteeId: string | undefined;
  senderSlot: number;
  keyVerified: boolean;
  boxPublicKey: string;
  signPublicKey: string;
  rtpCapabilities: mediasoupTypes.RtpCapabilities;
  channel: ParticipantChannel;
}

interface Waiting {
  entry: WaitingEntry;
  invitee: BookedInvitee;
  arrival: Arrival;
}

export type ConsultationEvents = {
  /** The last person (admitted or waiting) left. */
  empty: [];
  /** A host ended the consultation. */
  ended: [];
  /** Its state changed (members, waiting list, confirmations): see snapshot(). */
  changed: [];
  listenererror: [event: string, error: unknown];
};

const MAX_SENDER_SLOT = 0xffff;

/**
 * A live consultation: who waits, who is admitted, and what each of them may see. It owns
 * admission and the roster, and so who may receive media and key envelopes; the media room
 * carries the media and knows nothing of roles. Waiting invitees see nothing of anyone, and
 * only the consultation's clinicians see the waiting list.
 */
export class Consultation extends TypedEmitter<ConsultationEvents> {
  readonly booking: Booking;
  readonly media: ConsultationMedia;
  readonly #clinicians: BookedClinician[];
  readonly #members = new Map<string, Member>();
  readonly #waiting = new Map<string, Waiting>();
  // Slots are never reused within a consultation: a KID names one participant for good, so a
  // late frame under an old KID can never be taken for a newcomer's.
  #nextSlot = 1;
  #ended = false;
  /** People a host removed (issuer + subject): they may not come back into this call. */
  readonly #removed = new Set<string>();

  constructor(booking: Booking, clinicians: BookedClinician[], media: ConsultationMedia) {
    super();
    this.booking = booking;
    this.#clinicians = clinicians;
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
    media.on('reset', (reason) => this.#broadcast('mediaReset', { reason }));
  }

  get id(): string {
    return this.booking.id;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get size(): number {
    return this.#members.size + this.#waiting.size;
  }

  wasRemoved(issuer: string, subject: string): boolean {
    return this.#removed.has(`${issuer}\0${subject}`);
  }

  /** The booked clinician entry for a person, if they are one of this consultation's. */
  clinicianOf(issuer: string, subject: string): BookedClinician | undefined {
    return this.#clinicians.find((c) => c.issuer === issuer && c.subject === subject);
  }

  isMember(participantId: string): boolean {
    return this.#members.has(participantId);
  }

  isHost(participantId: string): boolean {
    return this.#members.get(participantId)?.host === true;
  }

  senderSlotOf(participantId: string): number | undefined {
    return this.#members.get(participantId)?.senderSlot;
  }

  /** A booked clinician enters directly (hosts are clinicians, not observers). */
  enterAsClinician(clinician: BookedClinician, arrival: Arrival): JoinedResult {
    return this.#admit(arrival, {
      name: arrival.name || clinician.name,
      host: clinician.role === 'clinician' && arrival.role === 'clinician',
      inviteeId: undefined,
    });
  }

  /** An invitee arrives and waits alone until a host admits them. */
  arrive(invitee: BookedInvitee, arrival: Arrival): { waitingId: string; clinicians: string[] } {
    if (this.#removed.has(`${arrival.issuer}\0${arrival.subject}`)) {
      throw new RequestError('forbidden', 'a host removed you from this consultation');
    }
    // The same invite again (a reload, a second tab) replaces the earlier connection.
    this.#dropInvitee(invitee.id);
    const waitingId = randomUUID();
    const entry: WaitingEntry = {
      waitingId,
      name: arrival.name || invitee.name,
      role: arrival.role,
      ...(arrival.nationalId ? { nationalId: arrival.nationalId } : {}),
      ...(arrival.assurance ? { assurance: arrival.assurance } : {}),
      since: new Date().toISOString(),
    };
    this.#waiting.set(waitingId, { entry, invitee, arrival });
    this.#waitingListChanged();
    return { waitingId, clinicians: this.#clinicians.map((c) => c.name) };
  }

  /** Patients expected besides this invitee (told to group patients before they join). */
  otherPatients(inviteeId: string, invitees: readonly BookedInvitee[]): number {
    return invitees.filter((i) => i.role === 'patient' && i.id !== inviteeId).length;
  }

  admit(hostId: string, waitingId: string): { participantId: string; inviteeId: string } {
    this.#requireHost(hostId);
    const waiting = this.#takeWaiting(waitingId);
    const { invitee, arrival } = waiting;
    const name =
      this.booking.mode === 'group' && invitee.role === 'patient'
        ? invitee.displayName || invitee.name
        : arrival.name || invitee.name;
    const joined = this.#admit(arrival, { name, host: false, inviteeId: invitee.id });
    arrival.channel.admitted(this, joined.participantId);
    arrival.channel.notify('admitted', joined);
    this.#waitingListChanged();
    return { participantId: joined.participantId, inviteeId: invitee.id };
  }

  deny(hostId: string, waitingId: string): void {
    this.#requireHost(hostId);
    const { arrival } = this.#takeWaiting(waitingId);
    arrival.channel.notify('denied', {});
    arrival.channel.detached();
    this.#waitingListChanged();
    this.#emptyCheck();
  }

  remove(hostId: string, participantId: string): void {
    this.#requireHost(hostId);
    const member = this.#members.get(participantId);
    if (!member || participantId === hostId) {
      throw new RequestError('not-found', `no other participant ${participantId}`);
    }
    this.#removed.add(member.person);
    member.channel.notify('removed', {});
    member.channel.detached();
    this.leave(participantId);
  }

  async mute(hostId: string, participantId: string, kind: mediasoupTypes.MediaKind): Promise<void> {
    this.#requireHost(hostId);
    const member = this.#members.get(participantId);
    if (!member) throw new RequestError('not-found', `no participant ${participantId}`);
    await this.media.pauseProducersOf(participantId, kind);
    member.channel.notify('mutedByHost', { kind });
    this.#rosterChanged();
  }

  /** A participant paused or resumed its own producer; the roster shows it to everyone. */
  async setProducerPaused(participantId: string, producerId: string, paused: boolean) {
    if (await this.media.setProducerPaused(participantId, producerId, paused)) {
      this.#rosterChanged();
    }
  }

  /** Ends the consultation: everyone told, every transport closed, nobody may come back. */
  end(hostId: string): void {
    this.#requireHost(hostId);
    this.#ended = true;
    for (const { arrival } of this.#waiting.values()) {
      arrival.channel.notify('consultationEnded', {});
      arrival.channel.detached();
    }
    for (const member of this.#members.values()) {
      member.channel.notify('consultationEnded', {});
      member.channel.detached();
    }
    this.#waiting.clear();
    this.#members.clear();
    this.media.close();
    this.safeEmit('changed');
    this.safeEmit('ended');
  }

  /** A resumed connection takes over a member's channel; false if they are gone. */
  /**
   * A resumed connection takes over a member's channel; false if they are gone. `from`: only
   * if the member is still reachable through that channel (a taken-over consultation's
   * placeholder: a place one client resumed is not another's to take).
   */
  rebind(
    participantId: string,
    channel: ParticipantChannel,
    from?: ParticipantChannel,
  ): JoinedResult | undefined {
    const member = this.#members.get(participantId);
    if (!member || (from && member.channel !== from)) return undefined;
    member.channel = channel;
    // What happened while the connection was down is summed up in the current state.
    channel.notify('rosterChanged', { roster: this.roster() });
    if (member.host) channel.notify('waitingListChanged', { waiting: this.waitingList() });
    return this.#joinedResult(member);
  }

  rebindWaiting(
    waitingId: string,
    channel: ParticipantChannel,
    from?: ParticipantChannel,
  ): boolean {
    const waiting = this.#waiting.get(waitingId);
    if (!waiting || (from && waiting.arrival.channel !== from)) return false;
    waiting.arrival = { ...waiting.arrival, channel };
    return true;
  }

  /** The participant confirmed the safety code of the current membership. */
  confirmSafetyCode(participantId: string): void {
    const member = this.#members.get(participantId);
    if (!member) return;
    member.keyVerified = true;
    this.#rosterChanged();
  }

  leave(participantId: string): void {
    if (!this.#members.delete(participantId)) return;
    this.#membershipChanged();
    this.media.removeParticipant(participantId);
    this.#rosterChanged();
    this.#emptyCheck();
  }

  leaveWaiting(waitingId: string): void {
    if (!this.#waiting.delete(waitingId)) return;
    this.#waitingListChanged();
    this.#emptyCheck();
  }

  roster(): RosterMember[] {
    const sending = new Map<string, { audio: boolean; video: boolean }>();
    for (const { participantId, kind, paused } of this.media.readyProducers()) {
      if (paused) continue;
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
      keyVerified: member.keyVerified,
    }));
  }

  /** What a clinician sees of the waiting room. */
  waitingList(): WaitingEntry[] {
    return [...this.#waiting.values()].map(({ entry }) => entry);
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

  #admit(
    arrival: Arrival,
    as: { name: string; host: boolean; inviteeId: string | undefined },
  ): JoinedResult {
    if (this.#nextSlot > MAX_SENDER_SLOT) {
      throw new RequestError('unavailable', 'this consultation has used every sender slot');
    }
    const member: Member = {
      participantId: randomUUID(),
      person: `${arrival.issuer}\0${arrival.subject}`,
      name: as.name || roleName(arrival.role),
      role: arrival.role,
      host: as.host,
      inviteeId: as.inviteeId,
      senderSlot: this.#nextSlot++,
      keyVerified: false,
      boxPublicKey: arrival.boxPublicKey,
      signPublicKey: arrival.signPublicKey,
      rtpCapabilities: arrival.rtpCapabilities,
      channel: arrival.channel,
    };
    this.#membershipChanged();
    this.#members.set(member.participantId, member);
    this.media.addParticipant(member.participantId, arrival.rtpCapabilities);
    this.#rosterChanged(member.participantId);
    if (member.host) member.channel.notify('waitingListChanged', { waiting: this.waitingList() });
    return this.#joinedResult(member);
  }

  /** Everything a member needs to be in the call (on entering, admission or resume). */
  #joinedResult(member: Member): JoinedResult {
    return {
      status: 'joined',
      consultationId: this.id,
      participantId: member.participantId,
      senderSlot: member.senderSlot,
      routerRtpCapabilities: this.media.rtpCapabilities as unknown as Record<string, unknown>,
      roster: this.roster(),
      producers: this.media
        .readyProducers()
        .filter((p) => p.participantId !== member.participantId)
        .map(({ producerId, participantId, kind }) => ({ producerId, participantId, kind })),
    };
  }

  #dropInvitee(inviteeId: string): void {
    for (const [waitingId, waiting] of this.#waiting) {
      if (waiting.invitee.id !== inviteeId) continue;
      this.#waiting.delete(waitingId);
      waiting.arrival.channel.detached();
    }
    for (const member of [...this.#members.values()]) {
      if (member.inviteeId !== inviteeId) continue;
      member.channel.detached();
      this.leave(member.participantId);
    }
  }

  #takeWaiting(waitingId: string): Waiting {
    const waiting = this.#waiting.get(waitingId);
    if (!waiting) throw new RequestError('not-found', `nobody is waiting as ${waitingId}`);
    this.#waiting.delete(waitingId);
    return waiting;
  }

  #requireHost(participantId: string): void {
    if (!this.isHost(participantId)) {
      throw new RequestError('forbidden', "only the consultation's clinicians may do this");
    }
  }

  #emptyCheck(): void {
    if (this.size === 0) this.safeEmit('empty');
  }

  #broadcast<N extends NotificationName>(
    notification: N,
    data: NotificationData<N>,
    except?: string,
  ) {
    for (const member of this.#members.values()) {
      if (member.participantId !== except) member.channel.notify(notification, data);
    }
  }

  /** A new or departed member changes everyone's safety code: confirmations lapse. */
  #membershipChanged(): void {
    for (const member of this.#members.values()) member.keyVerified = false;
  }

  #rosterChanged(except?: string): void {
    this.#broadcast('rosterChanged', { roster: this.roster() }, except);
    this.safeEmit('changed');
  }

  #waitingListChanged(): void {
    const waiting = this.waitingList();
    for (const member of this.#members.values()) {
      if (member.host) member.channel.notify('waitingListChanged', { waiting });
    }
    this.safeEmit('changed');
  }

  /** Its state without connections, for another signaling node to take it over. */
  snapshot(): ConsultationSnapshot {
    return {
      nextSlot: this.#nextSlot,
      ended: this.#ended,
      removed: [...this.#removed],
      members: [...this.#members.values()].map((member) => ({
        participantId: member.participantId,
        person: member.person,
        name: member.name,
        role: member.role,
        host: member.host,
        ...(member.inviteeId !== undefined ? { inviteeId: member.inviteeId } : {}),
        senderSlot: member.senderSlot,
        keyVerified: member.keyVerified,
        boxPublicKey: member.boxPublicKey,
        signPublicKey: member.signPublicKey,
        rtpCapabilities: member.rtpCapabilities as unknown as Record<string, unknown>,
      })),
      waiting: [...this.#waiting.values()].map(({ entry, invitee, arrival }) => ({
        entry,
        inviteeId: invitee.id,
        arrival: {
          issuer: arrival.issuer,
          subject: arrival.subject,
          name: arrival.name,
          role: arrival.role,
          ...(arrival.nationalId !== undefined ? { nationalId: arrival.nationalId } : {}),
          ...(arrival.assurance !== undefined ? { assurance: arrival.assurance } : {}),
          boxPublicKey: arrival.boxPublicKey,
          signPublicKey: arrival.signPublicKey,
          rtpCapabilities: arrival.rtpCapabilities as unknown as Record<string, unknown>,
        },
      })),
    };
  }

  /**
   * A consultation taken over from a node that died: everyone in it as they were, each
   * reachable through `absent` until their client resumes here (rebind / rebindWaiting).
   * Their media starts over (the media went with the node).
   */
  static restore(
    booking: Booking,
    clinicians: BookedClinician[],
    invitees: readonly BookedInvitee[],
    media: ConsultationMedia,
    snapshot: ConsultationSnapshot,
    absent: ParticipantChannel,
  ): Consultation {
    const consultation = new Consultation(booking, clinicians, media);
    consultation.#nextSlot = snapshot.nextSlot;
    consultation.#ended = snapshot.ended;
    for (const person of snapshot.removed) consultation.#removed.add(person);
    for (const saved of snapshot.members) {
      const rtpCapabilities = saved.rtpCapabilities as unknown as mediasoupTypes.RtpCapabilities;
      consultation.#members.set(saved.participantId, {
        ...saved,
        inviteeId: saved.inviteeId,
        rtpCapabilities,
        channel: absent,
      });
      media.addParticipant(saved.participantId, rtpCapabilities);
    }
    for (const saved of snapshot.waiting) {
      const invitee = invitees.find((candidate) => candidate.id === saved.inviteeId);
      if (!invitee) continue;
      const { nationalId, assurance, ...rest } = saved.arrival;
      consultation.#waiting.set(saved.entry.waitingId, {
        entry: saved.entry,
        invitee,
        arrival: {
          ...rest,
          ...(nationalId !== undefined ? { nationalId } : {}),
          ...(assurance !== undefined ? { assurance } : {}),
          rtpCapabilities: rest.rtpCapabilities as unknown as mediasoupTypes.RtpCapabilities,
          channel: absent,
        },
      });
    }
    return consultation;
  }

  /** Who is still reachable only through `absent` (participant ids, and waiting ids). */
  reachedOnlyThrough(absent: ParticipantChannel): { participants: string[]; waiting: string[] } {
    return {
      participants: [...this.#members.values()]
        .filter((member) => member.channel === absent)
        .map((member) => member.participantId),
      waiting: [...this.#waiting]
        .filter(([, waiting]) => waiting.arrival.channel === absent)
        .map(([waitingId]) => waitingId),
    };
  }

  /** Those of a taken-over consultation whose clients never came back leave it now. */
  dropAbsent(absent: ParticipantChannel): void {
    const { participants, waiting } = this.reachedOnlyThrough(absent);
    for (const waitingId of waiting) this.leaveWaiting(waitingId);
    for (const participantId of participants) this.leave(participantId);
    this.#emptyCheck();
  }

  /**
   * Another signaling node holds this consultation now (this one stalled past its lease):
   * everyone's client reconnects and resumes there. Nothing here changes the shared state.
   */
  abandon(): void {
    for (const { arrival } of this.#waiting.values()) arrival.channel.moveOut?.();
    for (const member of this.#members.values()) member.channel.moveOut?.();
    this.#waiting.clear();
    this.#members.clear();
    this.media.close();
  }
}

function roleName(role: Role): string {
  return {
    clinician: 'Clinician',
    patient: 'Patient',
    interpreter: 'Interpreter',
    relative: 'Relative',
    'observer-clinician': 'Observer',
  }[role];
}
