import { describe, expect, it } from 'vitest';
import { LocalIdentity } from './identity.ts';
import { parseKid } from './kid.ts';
import {
  FakeRelay,
  randomBytes,
  type SimParticipant,
  vp8DeltaFrame,
  vp8KeyFrame,
} from './test-helpers.fixture.ts';

interface SentFrame {
  readonly from: string;
  readonly codec: string;
  readonly data: Uint8Array;
}

/** Each current member sends one frame of each codec. */
async function everyoneSends(relay: FakeRelay): Promise<SentFrame[]> {
  const frames: SentFrame[] = [];
  for (const member of relay.members.values()) {
    frames.push({ from: member.id, codec: 'opus', data: await member.send(randomBytes(80)) });
    frames.push({ from: member.id, codec: 'vp8', data: await member.send(vp8DeltaFrame(), 'vp8') });
  }
  return frames;
}

async function decryptable(
  receiver: SimParticipant,
  frames: readonly SentFrame[],
): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const frame of frames) {
    if (frame.from !== receiver.id)
      out.push(await receiver.canDecrypt(frame.data, frame.from, frame.codec));
  }
  return out;
}

function safetyCodes(relay: FakeRelay): Set<string | undefined> {
  return new Set([...relay.members.values()].map((m) => m.manager.safetyCode));
}

describe('group key distribution through a relay that only forwards objects', () => {
  it('keeps five participants decrypting each other through joins and leaves, and shuts out newcomers and leavers', async () => {
    const relay = new FakeRelay();
    const departed: SimParticipant[] = [];
    let previousCode: string | undefined;
    const steps: [op: 'join' | 'leave', id: string][] = [
      ['join', 'ana'],
      ['join', 'bo'],
      ['join', 'cai'],
      ['join', 'dag'],
      ['join', 'eli'],
      ['leave', 'cai'],
      ['join', 'fia'],
      ['leave', 'ana'],
      ['leave', 'eli'],
      ['join', 'gus'],
    ];
    for (const [op, id] of steps) {
      // Frames sent before the change, still in flight when it takes effect.
      const inFlight = await everyoneSends(relay);
      let newcomer: SimParticipant | undefined;
      if (op === 'join') newcomer = await relay.join(id);
      else departed.push(await relay.leave(id));

      const fresh = await everyoneSends(relay);
      for (const member of relay.members.values()) {
        const own = member === newcomer;
        expect(await decryptable(member, fresh), `${member.id} after ${op} ${id}`).not.toContain(
          false,
        );
        // A leaver's own frames stop with its keys (removeSender); everyone else's keep playing.
        const old = await decryptable(
          member,
          inFlight.filter((frame) => relay.members.has(frame.from)),
        );
        if (own) {
          expect(old, `${id} must not decrypt what was sent before it joined`).not.toContain(true);
        } else {
          expect(old, `${member.id} decrypts frames in flight across ${op} ${id}`).not.toContain(
            false,
          );
        }
      }
      for (const leaver of departed) {
        expect(await decryptable(leaver, fresh), `${leaver.id} after ${op} ${id}`).not.toContain(
          true,
        );
      }

      const codes = safetyCodes(relay);
      expect(codes.size).toBe(1);
      const [code] = codes;
      expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
      expect(code).not.toBe(previousCode);
      previousCode = code;
    }
    expect(relay.rejected).toEqual([]);
  });

  it('costs one envelope per newcomer per sender on a join, and a fresh key for every remaining member on a leave', async () => {
    const relay = new FakeRelay();
    for (const id of ['ana', 'bo', 'cai']) await relay.join(id);
    const ana = relay.members.get('ana') as SimParticipant;
    const kidBefore = ana.manager.senderKid as bigint;

    const dag = await relay.join('dag');
    const joinChange = await ana.manager.handleMembershipChange(relay.rosterFor('ana'));
    expect(joinChange.envelopes).toEqual([]); // same roster again: nothing to do
    const kidAfterJoin = ana.manager.senderKid as bigint;
    expect(parseKid(kidAfterJoin).epoch).toBe(parseKid(kidBefore).epoch + 1);

    relay.members.delete('dag');
    const leaveChange = await ana.manager.handleMembershipChange(relay.rosterFor('ana'));
    expect(leaveChange.left).toEqual(['dag']);
    expect(leaveChange.envelopes.map((e) => e.to)).toEqual(['bo', 'cai']);
    expect(leaveChange.updates.map((u) => u.type)).toEqual(['removeSender', 'setSenderKey']);
    expect(dag.id).toBe('dag');

    relay.members.set('dag', dag);
    const rejoin = await ana.manager.handleMembershipChange(relay.rosterFor('ana'));
    expect(rejoin.joined).toEqual(['dag']);
    expect(rejoin.envelopes.map((e) => e.to)).toEqual(['dag']);
  });

  it('follows several joins in quick succession without any envelope to existing members', async () => {
    const relay = new FakeRelay();
    const ana = await relay.join('ana');
    const bo = await relay.join('bo');
    await relay.join('cai');
    await relay.join('dag');
    await relay.join('eli');
    // bo saw no frame of ana's since three ratchets: its look-ahead covers them.
    expect(await bo.canDecrypt(await ana.send(randomBytes(20)), 'ana')).toBe(true);
    expect(await bo.canDecrypt(await ana.send(vp8KeyFrame(), 'vp8'), 'ana', 'vp8')).toBe(true);
  });

  it('gives matching safety codes to honest clients and a different one to a client shown a swapped key', async () => {
    const relay = new FakeRelay();
    for (const id of ['ana', 'bo', 'cai', 'dag', 'eli']) await relay.join(id);
    const honest = safetyCodes(relay);
    expect(honest.size).toBe(1);

    const impostor = await LocalIdentity.generate('bo');
    relay.substitute('dag', 'bo', impostor.publicIdentity);
    await relay.join('fia'); // the next roster carries the swap to dag
    const dag = relay.members.get('dag') as SimParticipant;
    const others = [...relay.members.values()].filter((m) => m !== dag);
    const codes = new Set(others.map((m) => m.manager.safetyCode));
    expect(codes.size).toBe(1);
    expect(codes.has(dag.manager.safetyCode)).toBe(false);
    expect(codes.has([...honest][0])).toBe(false);
    // dag's envelope was sealed to the impostor's box key, which bo's signature check covers.
    expect(relay.rejected).toEqual([{ to: 'bo', code: 'bad-signature' }]);
    // bo's real envelopes do not verify for dag against the swapped signing key.
    const bo = relay.members.get('bo') as SimParticipant;
    await relay.deliver((await bo.manager.rotateSenderKey()).envelopes);
    expect(relay.rejected).toContainEqual({ to: 'dag', code: 'bad-signature' });
  });
});
