import { describe, expect, it } from 'vitest';
import { type KeyEnvelope, sealKeyEnvelope } from './envelope.ts';
import { LocalIdentity, type PublicIdentity, type RosterMember } from './identity.ts';
import { KeyManager } from './key-manager.ts';
import { makeKid } from './kid.ts';
import { randomBaseKey } from './ratchet.ts';
import { rejectionCode } from './test-helpers.fixture.ts';

function member(identity: { publicIdentity: PublicIdentity }, senderSlot: number): RosterMember {
  return { ...identity.publicIdentity, senderSlot };
}

/** ana (a bare identity we sign with), bo and cai as KeyManagers, all admitted. */
async function trio() {
  const ana = await LocalIdentity.generate('ana');
  const bo = await KeyManager.create('bo');
  const cai = await KeyManager.create('cai');
  const roster = [member(ana, 1), member(bo, 2), member(cai, 3)];
  await bo.handleMembershipChange(roster);
  await cai.handleMembershipChange(roster);
  return { ana, bo, cai, roster };
}

function tamper(envelope: KeyEnvelope, field: 'nonce' | 'ciphertext' | 'signature'): KeyEnvelope {
  const text = envelope[field];
  const last = text.at(-2) === 'A' ? 'B' : 'A';
  return { ...envelope, [field]: `${text.slice(0, -2)}${last}${text.at(-1)}` };
}

describe('KeyManager envelopes', () => {
  it('installs a key from a genuine envelope as a receiver key of its sender', async () => {
    const { ana, bo } = await trio();
    const kid = makeKid(1, 0);
    const updates = await bo.receiveEnvelope(
      sealKeyEnvelope(ana, bo.publicIdentity, kid, randomBaseKey()),
    );
    expect(updates).toEqual([
      { type: 'setReceiverKey', participantId: 'ana', kid, key: expect.any(Uint8Array) },
    ]);
  });

  it('rejects an envelope with any byte of its nonce, ciphertext or signature flipped as bad-signature', async () => {
    const { ana, bo } = await trio();
    const envelope = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 0), randomBaseKey());
    for (const field of ['nonce', 'ciphertext', 'signature'] as const) {
      await expect(rejectionCode(bo.receiveEnvelope(tamper(envelope, field)))).resolves.toBe(
        'bad-signature',
      );
    }
    await expect(
      rejectionCode(bo.receiveEnvelope({ ...envelope, kid: makeKid(1, 1) })),
    ).resolves.toBe('malformed-envelope');
    await expect(
      rejectionCode(bo.receiveEnvelope({ ...envelope, kid: Number(makeKid(1, 1)) })),
    ).resolves.toBe('bad-signature');
    // The untouched envelope still works: failures changed no state.
    await expect(bo.receiveEnvelope(envelope)).resolves.toHaveLength(1);
  });

  it('rejects an envelope delivered to, or readdressed to, another recipient', async () => {
    const { ana, bo, cai } = await trio();
    const forBo = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 0), randomBaseKey());
    await expect(rejectionCode(cai.receiveEnvelope(forBo))).resolves.toBe('wrong-recipient');
    await expect(rejectionCode(cai.receiveEnvelope({ ...forBo, to: 'cai' }))).resolves.toBe(
      'bad-signature',
    );
  });

  it('rejects an envelope reattributed to another sender, or carrying a KID of another sender slot', async () => {
    const { ana, bo } = await trio();
    const envelope = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 0), randomBaseKey());
    await expect(rejectionCode(bo.receiveEnvelope({ ...envelope, from: 'cai' }))).resolves.toBe(
      'bad-signature',
    );
    // ana signs honestly, but for cai's slot 3: her frames would show as cai's.
    const squat = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(3, 7), randomBaseKey());
    await expect(rejectionCode(bo.receiveEnvelope(squat))).resolves.toBe('sender-mismatch');
  });

  it('rejects an envelope from someone outside the roster', async () => {
    const { bo } = await trio();
    const stranger = await LocalIdentity.generate('zed');
    const envelope = sealKeyEnvelope(stranger, bo.publicIdentity, makeKid(9, 0), randomBaseKey());
    await expect(rejectionCode(bo.receiveEnvelope(envelope))).resolves.toBe('unknown-sender');
  });

  it('rejects a replayed envelope of an old or the same epoch as stale-epoch', async () => {
    const { ana, bo } = await trio();
    const first = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 4), randomBaseKey());
    const second = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 5), randomBaseKey());
    await bo.receiveEnvelope(first);
    await bo.receiveEnvelope(second);
    await expect(rejectionCode(bo.receiveEnvelope(first))).resolves.toBe('stale-epoch');
    await expect(rejectionCode(bo.receiveEnvelope(second))).resolves.toBe('stale-epoch');
  });

  it('rejects a signed envelope whose box was sealed to another key as decryption-failed', async () => {
    const { ana, bo } = await trio();
    const other = await LocalIdentity.generate('bo');
    const realSeal = ana.seal.bind(ana);
    // A faulty sender: signs a transcript naming bo's box key over a box sealed to another key.
    ana.seal = (plaintext) => realSeal(plaintext, other.publicIdentity);
    const envelope = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 0), randomBaseKey());
    await expect(rejectionCode(bo.receiveEnvelope(envelope))).resolves.toBe('decryption-failed');
  });

  it('rejects envelopes that are not the wire shape as malformed-envelope', async () => {
    const { ana, bo } = await trio();
    const envelope = sealKeyEnvelope(ana, bo.publicIdentity, makeKid(1, 0), randomBaseKey());
    const bad: unknown[] = [
      null,
      'envelope',
      { ...envelope, v: 2 },
      { ...envelope, kid: -1 },
      { ...envelope, kid: 2 ** 32 },
      { ...envelope, nonce: undefined },
      { ...envelope, nonce: `${envelope.nonce.slice(0, -1)}=` },
      { ...envelope, ciphertext: envelope.ciphertext.slice(4) },
      { ...envelope, signature: `${envelope.signature}AAAA` },
      { ...envelope, from: '' },
    ];
    for (const value of bad) {
      await expect(rejectionCode(bo.receiveEnvelope(value))).resolves.toBe('malformed-envelope');
    }
  });
});

describe('KeyManager rosters', () => {
  it('refuses rosters with duplicates, without us, or with other keys for us', async () => {
    const { ana, bo, roster } = await trio();
    const impostor = await LocalIdentity.generate('bo');
    const cases: unknown[][] = [
      [...roster, roster[0]],
      [...roster, { ...roster[0], participantId: 'ana2' }],
      roster.filter((m) => m.participantId !== 'bo'),
      [member(ana, 1), member(impostor, 2)],
    ];
    for (const value of cases) {
      await expect(rejectionCode(bo.handleMembershipChange(value))).resolves.toBe('invalid-roster');
    }
    const badKey = [...roster, { ...member(ana, 4), participantId: 'eve', boxPublicKey: 'AAAA' }];
    await expect(rejectionCode(bo.handleMembershipChange(badKey))).resolves.toBe(
      'invalid-identity',
    );
    const badSlot = [...roster, { ...member(ana, 70_000), participantId: 'eve' }];
    await expect(rejectionCode(bo.handleMembershipChange(badSlot))).resolves.toBe(
      'invalid-identity',
    );
  });

  it('starts at epoch 0 in its own slot and seals its first key to every other member', async () => {
    const ana = await KeyManager.create('ana');
    const bo = await LocalIdentity.generate('bo');
    expect(ana.senderKid).toBeUndefined();
    const change = await ana.handleMembershipChange([member(ana, 5), member(bo, 6)]);
    expect(ana.senderKid).toBe(makeKid(5, 0));
    expect(change.joined).toEqual(['bo']);
    expect(change.envelopes.map((e) => [e.from, e.to, e.kid])).toEqual([
      ['ana', 'bo', Number(makeKid(5, 0))],
    ]);
    expect(change.updates).toEqual([
      { type: 'setSenderKey', kid: makeKid(5, 0), key: expect.any(Uint8Array) },
    ]);
    expect(JSON.parse(JSON.stringify(change.envelopes))).toEqual(change.envelopes);
  });

  it('refuses to rotate before it has a roster', async () => {
    const ana = await KeyManager.create('ana');
    await expect(rejectionCode(ana.rotateSenderKey())).resolves.toBe('invalid-argument');
  });
});
