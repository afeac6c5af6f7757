// Test-only helpers shared by the e2ee test files: a fake relay and simulated participants.
import { expect } from 'vitest';
import { E2eeError, type E2eeErrorCode } from './errors.ts';
import type { PublicIdentity, RosterMember } from './identity.ts';
import { KeyManager } from './key-manager.ts';
import { MediaKeys } from './media-keys.ts';
import type { KeyUpdate } from './messages.ts';

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** A VP8 key frame: frame tag with key-frame bit 0, start code, 640x480, then payload. */
export function vp8KeyFrame(payloadBytes = 64): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(10 + payloadBytes);
  frame.set([0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 0);
  frame.set(randomBytes(payloadBytes), 10);
  return frame;
}

/** A VP8 delta frame: key-frame bit 1, then payload. */
export function vp8DeltaFrame(payloadBytes = 48): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(3 + payloadBytes);
  frame.set([0x31, 0x0a, 0x00], 0);
  frame.set(randomBytes(payloadBytes), 3);
  return frame;
}

export function flipByte(bytes: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

/** Resolves to the E2eeError code the promise rejected with; fails if it resolved. */
export async function rejectionCode(promise: Promise<unknown>): Promise<E2eeErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(E2eeError);
    return (error as E2eeError).code;
  }
  throw new Error('expected the operation to be rejected, but it succeeded');
}

export class FakeClock {
  ms = 0;
  readonly now = (): number => this.ms;
}

/** One browser: its KeyManager (main thread) and MediaKeys (what its worker holds). */
export class SimParticipant {
  readonly id: string;
  readonly manager: KeyManager;
  readonly keys: MediaKeys;
  senderSlot: number;

  constructor(id: string, manager: KeyManager, keys: MediaKeys, senderSlot: number) {
    this.id = id;
    this.manager = manager;
    this.keys = keys;
    this.senderSlot = senderSlot;
  }

  async apply(updates: readonly KeyUpdate[]): Promise<void> {
    for (const update of updates) await this.keys.apply(structuredClone(update));
  }

  send(frame: Uint8Array, codec = 'opus'): Promise<Uint8Array> {
    return this.keys.encrypt(codec, frame);
  }

  async canDecrypt(data: Uint8Array, from: string, codec = 'opus'): Promise<boolean> {
    try {
      await this.keys.decrypt(codec, data, from);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The server as far as key distribution goes: assigns slots, broadcasts the roster, and
 * forwards envelopes as plain objects (through JSON, as a WebSocket would). `substitute` lets a
 * test play a malicious server that shows one viewer a different key for someone.
 */
export class FakeRelay {
  readonly clock = new FakeClock();
  readonly members = new Map<string, SimParticipant>();
  readonly rejected: { readonly to: string; readonly code: string }[] = [];
  readonly #substitutions = new Map<string, Map<string, PublicIdentity>>();
  #nextSlot = 1;

  async join(id: string): Promise<SimParticipant> {
    const manager = await KeyManager.create(id);
    const keys = new MediaKeys({ receive: { now: this.clock.now } });
    const participant = new SimParticipant(id, manager, keys, this.#nextSlot++);
    this.members.set(id, participant);
    await this.broadcast();
    return participant;
  }

  /** Removes `id`; it receives no roster or envelope afterwards but keeps its keys. */
  async leave(id: string): Promise<SimParticipant> {
    const participant = this.members.get(id);
    if (participant === undefined) throw new Error(`${id} is not a member`);
    this.members.delete(id);
    await this.broadcast();
    return participant;
  }

  /** From now on, `viewer` sees `identity`'s keys in place of `target`'s. */
  substitute(viewer: string, target: string, identity: PublicIdentity): void {
    const forViewer = this.#substitutions.get(viewer) ?? new Map<string, PublicIdentity>();
    forViewer.set(target, identity);
    this.#substitutions.set(viewer, forViewer);
  }

  rosterFor(viewer: string): RosterMember[] {
    return [...this.members.values()].map((member) => {
      const identity =
        this.#substitutions.get(viewer)?.get(member.id) ?? member.manager.publicIdentity;
      return { ...identity, participantId: member.id, senderSlot: member.senderSlot };
    });
  }

  /** Every member handles the new roster first, then all envelopes are delivered. */
  async broadcast(): Promise<void> {
    const outbox: unknown[] = [];
    for (const member of this.members.values()) {
      const change = await member.manager.handleMembershipChange(this.rosterFor(member.id));
      await member.apply(change.updates);
      outbox.push(...change.envelopes.map((envelope) => JSON.parse(JSON.stringify(envelope))));
    }
    await this.deliver(outbox);
  }

  async deliver(envelopes: readonly unknown[]): Promise<void> {
    for (const envelope of envelopes) {
      const to = (envelope as { to: string }).to;
      const recipient = this.members.get(to);
      if (recipient === undefined) continue;
      try {
        await recipient.apply(await recipient.manager.receiveEnvelope(envelope));
      } catch (error) {
        if (!(error instanceof E2eeError)) throw error;
        this.rejected.push({ to, code: error.code });
      }
    }
  }
}
