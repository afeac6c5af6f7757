import {
  inspectProtectedFrame,
  isSFrameError,
  SFrameReceiver,
  type UnprotectedFrame,
  unprotectFrame,
} from '@skjerm/sframe';
import { E2eeError } from './errors.ts';
import { epochDistance, makeKid, nextEpoch, parseKid } from './kid.ts';
import { ratchetBaseKey } from './ratchet.ts';
import { SerialQueue } from './serial-queue.ts';

export interface ReceiveKeyringOptions {
  /**
   * Ratchet steps derived ahead of each sender's current key (default 3). Senders ratchet once
   * per join, so this is how many joins may pass before a receiver sees a frame of the new
   * epoch; beyond it, frames are dropped as unknown-kid until the next envelope.
   */
  readonly ratchetLookahead?: number | undefined;
  /**
   * How long a sender's previous key keeps decrypting after a newer one took over (default
   * 5000 ms): frames already in flight (jitter buffer, retransmissions) still play, and keys a
   * leaver also knows do not stay valid for longer than that.
   */
  readonly previousKeyGraceMs?: number | undefined;
  /**
   * Replay window per KID, in frames (default 1024). A sender's audio and video share one
   * counter, so each track sees gaps; the window must cover the worst skew between them.
   */
  readonly replayWindow?: number | undefined;
  readonly now?: (() => number) | undefined;
}

interface SenderKeys {
  readonly participantId: string;
  readonly senderSlot: number;
  current: { kid: bigint; epoch: number; key: Uint8Array };
  previous: { kid: bigint; retiredAt: number } | undefined;
  /** Ratchet look-ahead, installed in the SFrame receiver: KID -> derived base key. */
  readonly ahead: Map<bigint, { epoch: number; key: Uint8Array }>;
}

/**
 * Remote senders' keys inside the transform worker, by sender slot. Per sender it holds:
 * - current: the newest delivered (envelope) or confirmed (ratchet) key;
 * - previous: the key current replaced, for frames in flight, dropped after the grace period
 *   or as soon as a second newer key arrives;
 * - look-ahead: base keys for epochs current+1 .. current+N derived with the ratchet.
 *
 * How a ratchet is followed: senders announce nothing on a join. The first frame that
 * authenticates under a look-ahead KID proves the sender moved to that epoch, so that key
 * becomes current (and the look-ahead slides). A frame that fails to authenticate never
 * promotes anything. After a leave a sender's new key is random, so a look-ahead key of that
 * epoch simply fails to authenticate until the envelope replaces it.
 *
 * Delivered keys are authoritative: a setKey always becomes current, replacing any derived key
 * of the same KID. The main thread (KeyManager) has already refused stale envelopes.
 */
export class ReceiveKeyring {
  readonly #receiver: SFrameReceiver;
  readonly #lookahead: number;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #senders = new Map<number, SenderKeys>();
  readonly #queue = new SerialQueue();

  readonly #cipherSuite: number;

  constructor(cipherSuite: number, options: ReceiveKeyringOptions = {}) {
    this.#cipherSuite = cipherSuite;
    this.#receiver = new SFrameReceiver(cipherSuite, {
      replayWindow: options.replayWindow ?? 1024,
    });
    this.#lookahead = options.ratchetLookahead ?? 3;
    this.#graceMs = options.previousKeyGraceMs ?? 5000;
    this.#now = options.now ?? (() => Date.now());
    if (!Number.isInteger(this.#lookahead) || this.#lookahead < 0 || this.#lookahead > 16) {
      throw new E2eeError('invalid-argument', 'ratchetLookahead must be an integer in 0 .. 16');
    }
  }

  /** Delivered (current or previous) KIDs, for stats; look-ahead keys are not listed. */
  get kids(): bigint[] {
    this.#prune();
    const out: bigint[] = [];
    for (const sender of this.#senders.values()) {
      out.push(sender.current.kid);
      if (sender.previous !== undefined) out.push(sender.previous.kid);
    }
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Installs a key delivered by envelope as `participantId`'s current key. */
  setKey(participantId: string, kid: bigint, key: Uint8Array): Promise<void> {
    const { senderSlot, epoch } = parseKid(kid);
    const copy = new Uint8Array(key);
    return this.#queue.run(async () => {
      let sender = this.#senders.get(senderSlot);
      if (sender !== undefined && sender.participantId !== participantId) {
        this.#dropSender(sender);
        sender = undefined;
      }
      if (sender === undefined) {
        sender = {
          participantId,
          senderSlot,
          current: { kid, epoch, key: copy },
          previous: undefined,
          ahead: new Map(),
        };
        this.#senders.set(senderSlot, sender);
      } else {
        this.#clearAhead(sender);
        if (sender.previous !== undefined) this.#receiver.removeKey(sender.previous.kid);
        sender.previous = undefined;
        if (sender.current.kid === kid) {
          this.#receiver.removeKey(kid);
        } else {
          sender.previous = { kid: sender.current.kid, retiredAt: this.#now() };
        }
        sender.current.key.fill(0);
        sender.current = { kid, epoch, key: copy };
      }
      await this.#receiver.addKey(kid, copy);
      await this.#fillAhead(sender);
    });
  }

  /** Forgets one KID; removing a sender's current key forgets the sender. */
  removeKey(kid: bigint): Promise<void> {
    return this.#queue.run(() => {
      for (const sender of this.#senders.values()) {
        if (sender.current.kid === kid) return this.#dropSender(sender);
        if (sender.previous?.kid === kid) sender.previous = undefined;
        sender.ahead.get(kid)?.key.fill(0);
        sender.ahead.delete(kid);
      }
      this.#receiver.removeKey(kid);
    });
  }

  /** Forgets every key of a sender slot (the participant left). */
  removeSender(participantId: string, senderSlot: number): Promise<void> {
    return this.#queue.run(() => {
      const sender = this.#senders.get(senderSlot);
      if (sender !== undefined && sender.participantId === participantId) this.#dropSender(sender);
    });
  }

  /**
   * Decrypts a protected frame. With `expectedParticipantId`, a frame whose KID belongs to
   * another participant is refused with E2eeError('sender-mismatch'): a relay must not be able
   * to show one participant's media on another's tile. Other failures are SFrameErrors.
   */
  async decrypt(
    codec: string,
    data: Uint8Array,
    expectedParticipantId?: string,
  ): Promise<UnprotectedFrame> {
    this.#prune();
    let result: UnprotectedFrame;
    try {
      result = await unprotectFrame(this.#receiver, codec, data);
    } catch (error) {
      throw this.#classify(error, codec, data);
    }
    const { senderSlot } = parseKid(result.kid);
    const sender = this.#senders.get(senderSlot);
    if (expectedParticipantId !== undefined && sender?.participantId !== expectedParticipantId) {
      result.frame.fill(0);
      throw new E2eeError(
        'sender-mismatch',
        `frame under KID ${result.kid} is not from ${expectedParticipantId}`,
      );
    }
    if (sender?.ahead.has(result.kid))
      await this.#queue.run(() => this.#promote(senderSlot, result.kid));
    return result;
  }

  /**
   * A failed tag under a look-ahead KID is the sender having rotated (random key, envelope in
   * flight), not tampering: report it as key-pending so authentication-failed stays a signal.
   */
  #classify(error: unknown, codec: string, data: Uint8Array): unknown {
    if (!isSFrameError(error, 'authentication-failed')) return error;
    const inspected = inspectProtectedFrame({ codec, cipherSuite: this.#cipherSuite, data });
    if (!inspected.wellFormed) return error;
    const sender = this.#senders.get(parseKid(inspected.kid).senderSlot);
    if (!sender?.ahead.has(inspected.kid)) return error;
    return new E2eeError('key-pending', `no delivered key yet for KID ${inspected.kid}`);
  }

  async #promote(senderSlot: number, kid: bigint): Promise<void> {
    const sender = this.#senders.get(senderSlot);
    const promoted = sender?.ahead.get(kid);
    if (sender === undefined || promoted === undefined) return; // replaced meanwhile
    const steps = epochDistance(sender.current.epoch, promoted.epoch);
    for (const [aheadKid, entry] of sender.ahead) {
      // Epochs the sender skipped (several joins between two frames) are never used.
      if (epochDistance(sender.current.epoch, entry.epoch) < steps) {
        this.#receiver.removeKey(aheadKid);
        entry.key.fill(0);
        sender.ahead.delete(aheadKid);
      }
    }
    sender.ahead.delete(kid);
    if (sender.previous !== undefined) this.#receiver.removeKey(sender.previous.kid);
    sender.previous = { kid: sender.current.kid, retiredAt: this.#now() };
    sender.current.key.fill(0);
    sender.current = { kid, epoch: promoted.epoch, key: promoted.key };
    await this.#fillAhead(sender);
  }

  /** Derives the missing look-ahead keys after the current one. */
  async #fillAhead(sender: SenderKeys): Promise<void> {
    let key = sender.current.key;
    let epoch = sender.current.epoch;
    for (let step = 1; step <= this.#lookahead; step++) {
      epoch = nextEpoch(epoch);
      const kid = makeKid(sender.senderSlot, epoch);
      const existing = sender.ahead.get(kid);
      if (existing !== undefined) {
        key = existing.key;
        continue;
      }
      key = await ratchetBaseKey(key, kid);
      sender.ahead.set(kid, { epoch, key });
      await this.#receiver.addKey(kid, key);
    }
  }

  #clearAhead(sender: SenderKeys): void {
    for (const [kid, entry] of sender.ahead) {
      this.#receiver.removeKey(kid);
      entry.key.fill(0);
    }
    sender.ahead.clear();
  }

  #dropSender(sender: SenderKeys): void {
    this.#clearAhead(sender);
    this.#receiver.removeKey(sender.current.kid);
    sender.current.key.fill(0);
    if (sender.previous !== undefined) this.#receiver.removeKey(sender.previous.kid);
    this.#senders.delete(sender.senderSlot);
  }

  #prune(): void {
    const now = this.#now();
    for (const sender of this.#senders.values()) {
      if (sender.previous !== undefined && now - sender.previous.retiredAt > this.#graceMs) {
        this.#receiver.removeKey(sender.previous.kid);
        sender.previous = undefined;
      }
    }
  }
}
