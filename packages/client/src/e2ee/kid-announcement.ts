import { MAX_ANNOUNCED_KIDS } from '@skjerm/protocol';

/**
 * The KIDs a producer announces to the server: the sender key being switched to, the one in
 * use, and the one before it, because frames encrypted a moment before a switch may still be
 * on their way (the server closes a producer after 3 frames under KIDs it was not told of).
 * Announced before the worker switches keys, so no frame ever precedes its announcement.
 * Undefined entries (no such key yet) and repeats are left out; the newest comes first.
 */
export function kidsToAnnounce(kids: readonly (bigint | undefined)[]): number[] {
  const unique = new Set<number>();
  for (const kid of kids) if (kid !== undefined) unique.add(Number(kid));
  return [...unique].slice(0, MAX_ANNOUNCED_KIDS);
}
