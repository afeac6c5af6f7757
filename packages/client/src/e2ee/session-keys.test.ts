import { type KeyEnvelope, KeyManager, makeKid, type PublicIdentity } from '@skjerm/e2ee';
import { describe, expect, it } from 'vitest';
import type { SkjermClientError } from '../errors.ts';
import { FakeWorker, flush, rosterMember, until } from '../test-helpers.fixture.ts';
import { PendingIdentity } from './pending-identity.ts';
import { type SenderKeyChange, SessionKeys } from './session-keys.ts';

/** `me` as a SessionKeys with a recording relay, announcer and worker; bo and cai as KeyManagers. */
async function setUp(options: { holdRelay?: boolean } = {}) {
  const log: string[] = [];
  const worker = new FakeWorker();
  const relayed: KeyEnvelope[][] = [];
  let releaseRelay: () => void = () => undefined;
  const keys = new SessionKeys(await PendingIdentity.generate(), {
    worker,
    relay: async (envelopes) => {
      log.push(`relay ${envelopes.map((e) => e.to).join(',')}`);
      relayed.push([...envelopes]);
      if (options.holdRelay) await new Promise<void>((resolve) => (releaseRelay = resolve));
    },
    announce: async (kids) => {
      log.push(`announce ${kids.join(',')}`);
    },
  });
  worker.postMessage = (message: unknown) => {
    worker.posted.push(message);
    log.push(`worker ${(message as { type: string }).type}`);
  };
  const changes: SenderKeyChange[] = [];
  const errors: SkjermClientError[] = [];
  const codes: string[] = [];
  keys.on('senderkey', (change) => changes.push(change));
  keys.on('keyerror', (error) => errors.push(error));
  keys.on('safetycode', (code) => codes.push(code));
  keys.bind('me');
  const me: PublicIdentity = { participantId: 'me', ...keys.publicKeys };
  const bo = await KeyManager.create('bo');
  const cai = await KeyManager.create('cai');
  const members = {
    me: rosterMember(me, 1),
    bo: rosterMember(bo.publicIdentity, 2),
    cai: rosterMember(cai.publicIdentity, 3),
  };
  return {
    keys,
    worker,
    log,
    relayed,
    changes,
    errors,
    codes,
    bo,
    cai,
    members,
    releaseRelay: () => releaseRelay(),
  };
}

describe('SessionKeys', () => {
  it('starts with a key sealed to everyone, installed in the worker, and a safety code', async () => {
    const { keys, log, relayed, changes, codes, members } = await setUp();
    await keys.applyRoster([members.me, members.bo, members.cai]);
    expect(relayed[0]?.map((e) => e.to)).toEqual(['bo', 'cai']);
    expect(log).toEqual(['relay bo,cai', 'worker setSenderKey']);
    expect(changes).toEqual([{ kid: makeKid(1, 0), epoch: 0, reason: 'initial' }]);
    expect(keys.senderKid).toBe(makeKid(1, 0));
    expect(keys.announcedKids()).toEqual([65536]);
    expect(codes).toHaveLength(1);
    expect(keys.safetyCode).toBe(codes[0]);
  });

  it('on a leave: forgets the leaver at once, then relays, announces, and only then switches keys', async () => {
    const { keys, log, relayed, changes, members } = await setUp();
    await keys.applyRoster([members.me, members.bo, members.cai]);
    log.length = 0;
    await keys.applyRoster([members.me, members.bo]);
    expect(log).toEqual([
      'worker removeSender',
      'relay bo',
      `announce ${65536 + 1},65536`,
      'worker setSenderKey',
    ]);
    expect(relayed.at(-1)?.map((e) => e.to)).toEqual(['bo']);
    expect(changes.at(-1)).toEqual({ kid: makeKid(1, 1), epoch: 1, reason: 'rotated' });
    // Frames under the old key may still be on their way: it stays announced.
    expect(keys.announcedKids()).toEqual([65537, 65536]);
  });

  it('on a join: ratchets, sealing the new key to the newcomer only', async () => {
    const { keys, relayed, changes, members } = await setUp();
    await keys.applyRoster([members.me, members.bo]);
    await keys.applyRoster([members.me, members.bo, members.cai]);
    expect(relayed.at(-1)?.map((e) => e.to)).toEqual(['cai']);
    expect(changes.at(-1)?.reason).toBe('ratcheted');
  });

  it("opens others' envelopes while its own key switch still waits for the server", async () => {
    const { keys, worker, bo, members, releaseRelay } = await setUp({ holdRelay: true });
    const roster = [members.me, members.bo];
    const applying = keys.applyRoster(roster);
    const fromBo = (await bo.handleMembershipChange(roster)).envelopes[0];
    await keys.receiveEnvelope('bo', fromBo);
    expect(worker.types()).toEqual(['setReceiverKey']);
    releaseRelay();
    await applying;
    expect(worker.types()).toEqual(['setReceiverKey', 'setSenderKey']);
  });

  it('refuses an envelope the server relays as from someone other than its signed sender', async () => {
    const { keys, worker, errors, bo, members } = await setUp();
    const roster = [members.me, members.bo, members.cai];
    await keys.applyRoster(roster);
    const fromBo = (await bo.handleMembershipChange(roster)).envelopes.find((e) => e.to === 'me');
    await keys.receiveEnvelope('cai', fromBo);
    await flush();
    expect(errors.map((e) => e.code)).toEqual(['e2ee-failed']);
    expect(worker.types()).not.toContain('setReceiverKey');
  });

  it('reports a roster without us as a key error and publishes nothing', async () => {
    const { keys, errors, members } = await setUp();
    await keys.applyRoster([members.bo]);
    await until(() => errors.length === 1);
    expect(errors[0]?.message).toMatch(/does not list the local participant/);
    expect(keys.senderKid).toBeUndefined();
    expect(() => keys.announcedKids()).toThrow(/no sender key/);
  });
});
