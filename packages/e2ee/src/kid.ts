import { E2eeError } from './errors.ts';

/**
 * SFrame KID layout in Skjerm:
 *
 *     kid = senderSlot * 2^16 + epoch        (senderSlot, epoch: 16-bit unsigned)
 *
 * - senderSlot: the small integer the server assigns each participant in the roster. It tells
 *   a receiver whose key a frame needs without any per-frame lookup, and it lets a receiver
 *   refuse a frame that arrives on one participant's track under another participant's KID.
 * - epoch: the sender's key generation, +1 on every rotation or ratchet, modulo 2^16. Epochs
 *   are compared with serial-number arithmetic (RFC 1982): receivers only ever hold a handful
 *   of adjacent epochs per sender, so "newer" is a forward distance below 2^15.
 *
 * The KID stays below 2^32 (a JSON-safe number on the wire), and below 2^24 for the first 256
 * slots, so the SFrame header spends 3 bytes on it (RFC 9605 §4.3).
 */
export const MAX_SENDER_SLOT = 0xffff;
export const EPOCH_MODULUS = 0x1_0000;
const HALF_EPOCH_RANGE = EPOCH_MODULUS / 2;

export interface KidParts {
  readonly senderSlot: number;
  readonly epoch: number;
}

export function isSenderSlot(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_SENDER_SLOT;
}

function isEpoch(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < EPOCH_MODULUS;
}

export function makeKid(senderSlot: number, epoch: number): bigint {
  if (!isSenderSlot(senderSlot)) {
    throw new E2eeError(
      'invalid-argument',
      `sender slot must be an integer in 0 .. ${MAX_SENDER_SLOT}`,
    );
  }
  if (!isEpoch(epoch)) {
    throw new E2eeError(
      'invalid-argument',
      `epoch must be an integer in 0 .. ${EPOCH_MODULUS - 1}`,
    );
  }
  return BigInt(senderSlot * EPOCH_MODULUS + epoch);
}

/** Splits a KID; one outside the layout (>= 2^32) was not made by Skjerm and is refused. */
export function parseKid(kid: bigint): KidParts {
  if (kid < 0n || kid > 0xffff_ffffn) {
    throw new E2eeError('invalid-argument', `KID ${kid} is outside Skjerm's 32-bit KID layout`);
  }
  const value = Number(kid);
  return { senderSlot: Math.floor(value / EPOCH_MODULUS), epoch: value % EPOCH_MODULUS };
}

export function nextEpoch(epoch: number): number {
  return (epoch + 1) % EPOCH_MODULUS;
}

/** How many steps forward `to` is from `from`, modulo 2^16 (0 .. 2^16 - 1). */
export function epochDistance(from: number, to: number): number {
  return (((to - from) % EPOCH_MODULUS) + EPOCH_MODULUS) % EPOCH_MODULUS;
}

/** Serial-number comparison: `candidate` is 1 .. 2^15 - 1 steps after `reference`. */
export function isNewerEpoch(candidate: number, reference: number): boolean {
  const distance = epochDistance(reference, candidate);
  return distance > 0 && distance < HALF_EPOCH_RANGE;
}
