import { CanonicalWriter } from './canonical.ts';
import { E2eeError } from './errors.ts';
import { boxPublicKeyBytes, type PublicIdentity, signPublicKeyBytes } from './identity.ts';
import { loadSodium, type Sodium } from './sodium.ts';

/** 6 groups of 5 digits: about 99.6 bits, far beyond what a key-swapping server can grind. */
export const SAFETY_CODE_GROUPS = 6;
const DIGITS_PER_GROUP = 5;
const BYTES_PER_GROUP = 5;

/**
 * A short code everyone in the call reads aloud or compares on screen. It is a hash over every
 * current participant's identity keys, so it is the same on every honest client and changes
 * whenever membership changes; if the server handed anyone a substituted key (to read the
 * media keys sealed to it), that client's code differs from the others'.
 *
 * Encoding: members sorted by participantId (UTF-16 code units, never locale order, so every
 * client sorts identically), each as length-prefixed participantId, signPublicKey,
 * boxPublicKey; hashed with BLAKE2b-256 (crypto_generichash). Each group is 5 hash bytes read
 * as a 40-bit integer mod 10^5 (as Signal's safety numbers do; the bias is below 2^-23).
 */
export function safetyCodeWith(lib: Sodium, members: readonly PublicIdentity[]): string {
  const sorted = [...members].sort((a, b) =>
    a.participantId < b.participantId ? -1 : a.participantId > b.participantId ? 1 : 0,
  );
  const writer = new CanonicalWriter('skjerm/e2ee safety-code v1').u32(sorted.length);
  let previous: string | undefined;
  for (const member of sorted) {
    if (member.participantId === previous) {
      throw new E2eeError('invalid-argument', `participant ${previous} is listed twice`);
    }
    previous = member.participantId;
    writer
      .string(member.participantId)
      .bytes(signPublicKeyBytes(member))
      .bytes(boxPublicKeyBytes(member));
  }
  const hash = lib.crypto_generichash(32, writer.finish(), null);
  const groups: string[] = [];
  for (let g = 0; g < SAFETY_CODE_GROUPS; g++) {
    let value = 0;
    for (let i = 0; i < BYTES_PER_GROUP; i++) {
      value = value * 256 + (hash[g * BYTES_PER_GROUP + i] as number);
    }
    groups.push(String(value % 10 ** DIGITS_PER_GROUP).padStart(DIGITS_PER_GROUP, '0'));
  }
  return groups.join(' ');
}

/** The safety code for a set of participants (the local one included). */
export async function computeSafetyCode(members: readonly PublicIdentity[]): Promise<string> {
  return safetyCodeWith(await loadSodium(), members);
}
