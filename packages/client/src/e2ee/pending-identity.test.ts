import { KeyManager } from '@skjerm/e2ee';
import { describe, expect, it } from 'vitest';
import { PendingIdentity } from './pending-identity.ts';

const slot = (identity: { publicIdentity: object }, senderSlot: number) => ({
  ...identity.publicIdentity,
  senderSlot,
});

describe('PendingIdentity', () => {
  it('binds keys generated before join to the id the server assigns, interoperating with KeyManager.create', async () => {
    const pending = await PendingIdentity.generate();
    const keysSentInJoin = { box: pending.boxPublicKey, sign: pending.signPublicKey };
    const me = pending.bind('server-assigned-id');
    expect(me.publicIdentity).toEqual({
      participantId: 'server-assigned-id',
      boxPublicKey: keysSentInJoin.box,
      signPublicKey: keysSentInJoin.sign,
    });

    const bo = await KeyManager.create('bo');
    const roster = [slot(me, 1), slot(bo, 2)];
    const mine = await me.handleMembershipChange(roster);
    const theirs = await bo.handleMembershipChange(roster);
    // Each opens the other's envelope: signatures and boxes agree on ids and keys.
    await expect(bo.receiveEnvelope(mine.envelopes[0])).resolves.toHaveLength(1);
    await expect(me.receiveEnvelope(theirs.envelopes[0])).resolves.toHaveLength(1);
    expect(mine.safetyCode).toBe(theirs.safetyCode);
  });

  it('binds once; a second bind, or one after dispose, is refused', async () => {
    const pending = await PendingIdentity.generate();
    pending.bind('a');
    expect(() => pending.bind('a')).toThrow(/already bound or disposed/);
    const other = await PendingIdentity.generate();
    other.dispose();
    expect(() => other.bind('b')).toThrow(/already bound or disposed/);
  });
});
