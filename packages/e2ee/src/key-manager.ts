import {
  type KeyEnvelope,
  openKeyEnvelope,
  parseKeyEnvelope,
  sealKeyEnvelope,
} from './envelope.ts';
import { E2eeError } from './errors.ts';
import { LocalIdentity, type PublicIdentity, type RosterMember } from './identity.ts';
import { isNewerEpoch, makeKid, nextEpoch, parseKid } from './kid.ts';
import type { KeyUpdate } from './messages.ts';
import { randomBaseKey, ratchetBaseKey } from './ratchet.ts';
import { diffRoster, parseRoster } from './roster.ts';
import { safetyCodeWith } from './safety-code.ts';
import { SerialQueue } from './serial-queue.ts';
import { loadSodium, type Sodium } from './sodium.ts';

export interface KeyDistribution {
  /** Envelopes to hand to the server, which relays each to its `to`. */
  readonly envelopes: readonly KeyEnvelope[];
  /** Messages for the transform worker, in order. */
  readonly updates: readonly KeyUpdate[];
}

export interface MembershipChange extends KeyDistribution {
  readonly joined: readonly string[];
  readonly left: readonly string[];
  readonly safetyCode: string;
}

function byId(a: PublicIdentity, b: PublicIdentity): number {
  return a.participantId < b.participantId ? -1 : a.participantId > b.participantId ? 1 : 0;
}

/**
 * The local participant's end of key distribution (one per participant per session, on the
 * main thread): its identity, its own SFrame sender key, and which remote keys it accepted.
 * Remote keys themselves go to the transform worker as KeyUpdates; the worker's
 * ReceiveKeyring follows ratchets on its own.
 *
 * Rotation rules, applied to every roster the server delivers:
 * - first roster (or our slot changed): a random key at epoch 0, sealed to every other member.
 * - anyone left (or re-keyed their identity): a fresh random key at epoch + 1, sealed to the
 *   remaining members only. The leaver holds every earlier key but cannot derive this one.
 * - only joins: ratchet, base_key(e + 1) = HKDF(base_key(e)) (ratchet.ts), sealed to the
 *   newcomers only. Existing members hold base_key(e) and derive e + 1 themselves; newcomers
 *   cannot invert HKDF, so they decrypt nothing sent before they joined. A join costs one
 *   envelope per newcomer per sender.
 * Receivers learn of a ratchet from the KID of the frames (its epoch is one step on), not from
 * a message: see receive-keyring.ts.
 *
 * Calls are serialised, so a roster, then an envelope sent after it, are handled in that order.
 */
export class KeyManager {
  readonly #identity: LocalIdentity;
  readonly #sodium: Sodium;
  readonly #queue = new SerialQueue();
  /** Other current members by participantId. */
  #others = new Map<string, RosterMember>();
  #self: RosterMember | undefined;
  #epoch = 0;
  #baseKey: Uint8Array | undefined;
  /** Newest epoch accepted by envelope, per current member, to refuse replayed envelopes. */
  readonly #acceptedEpoch = new Map<string, number>();
  #safetyCode: string | undefined;

  private constructor(identity: LocalIdentity, lib: Sodium) {
    this.#identity = identity;
    this.#sodium = lib;
  }

  /** Generates this session's identity for `participantId`. */
  static async create(participantId: string): Promise<KeyManager> {
    const lib = await loadSodium();
    return new KeyManager(await LocalIdentity.generate(participantId), lib);
  }

  get participantId(): string {
    return this.#identity.participantId;
  }

  /** What the server puts in the roster for us. */
  get publicIdentity(): PublicIdentity {
    return this.#identity.publicIdentity;
  }

  /** KID our frames are encrypted under; undefined before the first roster. */
  get senderKid(): bigint | undefined {
    return this.#self === undefined || this.#baseKey === undefined
      ? undefined
      : makeKid(this.#self.senderSlot, this.#epoch);
  }

  /** Safety code of the current roster; undefined before the first roster. */
  get safetyCode(): string | undefined {
    return this.#safetyCode;
  }

  /** Current roster as last accepted, the local participant included, sorted by id. */
  get members(): readonly RosterMember[] {
    return this.#self === undefined ? [] : [this.#self, ...this.#others.values()].sort(byId);
  }

  /**
   * Applies the server's full current roster (every admitted participant, us included).
   * Throws E2eeError('invalid-identity') for a malformed entry, ('invalid-roster') for
   * duplicate ids or slots, or when we are missing or listed with keys other than ours.
   */
  handleMembershipChange(roster: readonly unknown[]): Promise<MembershipChange> {
    return this.#queue.run(() => this.#applyRoster(roster));
  }

  /**
   * Verifies and opens an envelope relayed by the server; returns the worker updates that
   * install the key. Throws E2eeError: malformed-envelope, wrong-recipient, unknown-sender,
   * bad-signature, sender-mismatch, stale-epoch, decryption-failed.
   */
  receiveEnvelope(envelope: unknown): Promise<KeyUpdate[]> {
    return this.#queue.run(() => this.#open(envelope));
  }

  /** Switches to a fresh random key (epoch + 1) sealed to every other member. */
  rotateSenderKey(): Promise<KeyDistribution> {
    return this.#queue.run(() => {
      if (this.#self === undefined) {
        throw new E2eeError('invalid-argument', 'no roster yet: there is no sender key to rotate');
      }
      const updates: KeyUpdate[] = [];
      const envelopes = this.#freshKey(false, [...this.#others.values()], updates);
      return { envelopes, updates };
    });
  }

  /** Wipes the sender key and the identity's secret keys. */
  dispose(): void {
    this.#baseKey?.fill(0);
    this.#baseKey = undefined;
    this.#identity.dispose();
  }

  async #applyRoster(roster: readonly unknown[]): Promise<MembershipChange> {
    const { self, others: next } = parseRoster(roster, this.publicIdentity);
    const { joined, left } = diffRoster(this.#others, next);
    const updates: KeyUpdate[] = [];
    for (const member of left) {
      updates.push({
        type: 'removeSender',
        participantId: member.participantId,
        senderSlot: member.senderSlot,
      });
      this.#acceptedEpoch.delete(member.participantId);
    }
    const first = this.#baseKey === undefined || this.#self?.senderSlot !== self.senderSlot;
    this.#others = new Map(next);
    this.#self = self;

    let envelopes: KeyEnvelope[] = [];
    if (first || left.length > 0) {
      envelopes = this.#freshKey(first, [...next.values()], updates);
    } else if (joined.length > 0) {
      envelopes = await this.#ratchet(joined, updates);
    }
    this.#safetyCode = safetyCodeWith(this.#sodium, [self, ...next.values()]);
    return {
      joined: joined.map((m) => m.participantId).sort(),
      left: left.map((m) => m.participantId).sort(),
      envelopes,
      updates,
      safetyCode: this.#safetyCode,
    };
  }

  #freshKey(first: boolean, recipients: RosterMember[], updates: KeyUpdate[]): KeyEnvelope[] {
    this.#epoch = first ? 0 : nextEpoch(this.#epoch);
    return this.#install(randomBaseKey(), recipients, updates);
  }

  async #ratchet(recipients: RosterMember[], updates: KeyUpdate[]): Promise<KeyEnvelope[]> {
    const current = this.#baseKey;
    const self = this.#self;
    if (current === undefined || self === undefined) throw new Error('ratchet without a key');
    const epoch = nextEpoch(this.#epoch);
    const key = await ratchetBaseKey(current, makeKid(self.senderSlot, epoch));
    this.#epoch = epoch;
    return this.#install(key, recipients, updates);
  }

  #install(key: Uint8Array, recipients: RosterMember[], updates: KeyUpdate[]): KeyEnvelope[] {
    const self = this.#self;
    if (self === undefined) throw new Error('install without a roster');
    this.#baseKey?.fill(0);
    this.#baseKey = key;
    const kid = makeKid(self.senderSlot, this.#epoch);
    // The worker gets its own copy (it may be transferred and detached); ours stays for ratchets.
    updates.push({ type: 'setSenderKey', kid, key: key.slice() });
    return recipients.sort(byId).map((member) => sealKeyEnvelope(this.#identity, member, kid, key));
  }

  #open(input: unknown): KeyUpdate[] {
    const envelope = parseKeyEnvelope(input);
    if (envelope.to !== this.participantId) {
      throw new E2eeError(
        'wrong-recipient',
        `key envelope is addressed to ${envelope.to}, not to ${this.participantId}`,
      );
    }
    const sender = this.#others.get(envelope.from);
    if (sender === undefined) {
      throw new E2eeError(
        'unknown-sender',
        `key envelope from ${envelope.from}, who is not in the current roster`,
      );
    }
    const baseKey = openKeyEnvelope(this.#identity, sender, envelope);
    try {
      const kid = BigInt(envelope.kid);
      const { senderSlot, epoch } = parseKid(kid);
      if (senderSlot !== sender.senderSlot) {
        // A member signing a key for someone else's slot would have its frames shown as theirs.
        throw new E2eeError(
          'sender-mismatch',
          `${sender.participantId} sent a key for sender slot ${senderSlot}, but holds slot ${sender.senderSlot}`,
        );
      }
      const accepted = this.#acceptedEpoch.get(sender.participantId);
      if (accepted !== undefined && !isNewerEpoch(epoch, accepted)) {
        throw new E2eeError(
          'stale-epoch',
          `key envelope from ${sender.participantId} for epoch ${epoch} is not newer than accepted epoch ${accepted}`,
        );
      }
      this.#acceptedEpoch.set(sender.participantId, epoch);
      return [{ type: 'setReceiverKey', participantId: sender.participantId, kid, key: baseKey }];
    } catch (error) {
      baseKey.fill(0);
      throw error;
    }
  }
}
