import { E2eeError } from './errors.ts';
import {
  type PublicIdentity,
  parseRosterMember,
  type RosterMember,
  sameIdentity,
} from './identity.ts';

export interface ParsedRoster {
  readonly self: RosterMember;
  /** Everyone else, by participantId. */
  readonly others: ReadonlyMap<string, RosterMember>;
}

/**
 * Validates the server's roster as seen by `local`. Duplicate ids or slots would make KIDs or
 * envelopes ambiguous; a roster listing us with other keys means the server tells others a key
 * that is not ours (a bug, or the start of a key substitution), so it is refused rather than
 * acted on.
 */
export function parseRoster(roster: readonly unknown[], local: PublicIdentity): ParsedRoster {
  if (!Array.isArray(roster)) throw new E2eeError('invalid-roster', 'a roster must be an array');
  const others = new Map<string, RosterMember>();
  const slots = new Set<number>();
  let self: RosterMember | undefined;
  for (const entry of roster) {
    const member = parseRosterMember(entry);
    if (others.has(member.participantId) || self?.participantId === member.participantId) {
      throw new E2eeError('invalid-roster', `participant ${member.participantId} is listed twice`);
    }
    if (slots.has(member.senderSlot)) {
      throw new E2eeError('invalid-roster', `sender slot ${member.senderSlot} is assigned twice`);
    }
    slots.add(member.senderSlot);
    if (member.participantId !== local.participantId) {
      others.set(member.participantId, member);
    } else if (sameIdentity(member, local)) {
      self = member;
    } else {
      throw new E2eeError(
        'invalid-roster',
        'the roster lists the local participant with other keys',
      );
    }
  }
  if (self === undefined) {
    throw new E2eeError('invalid-roster', 'the roster does not list the local participant');
  }
  return { self, others };
}

function sameMember(a: RosterMember, b: RosterMember | undefined): boolean {
  return b !== undefined && sameIdentity(a, b) && a.senderSlot === b.senderSlot;
}

/**
 * Who left and who joined between two rosters. A participant whose keys or slot changed (a
 * reconnect with a new session identity) counts as both: its old keys must be forgotten and
 * everything sent from now on must be out of the old identity's reach.
 */
export function diffRoster(
  before: ReadonlyMap<string, RosterMember>,
  after: ReadonlyMap<string, RosterMember>,
): { joined: RosterMember[]; left: RosterMember[] } {
  return {
    joined: [...after.values()].filter((m) => !sameMember(m, before.get(m.participantId))),
    left: [...before.values()].filter((m) => !sameMember(m, after.get(m.participantId))),
  };
}
