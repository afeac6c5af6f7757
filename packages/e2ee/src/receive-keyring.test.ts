import { protectFrame, SFrameSender } from '@skjerm/sframe';
import { describe, expect, it } from 'vitest';
import { makeKid } from './kid.ts';
import { DEFAULT_CIPHER_SUITE } from './media-keys.ts';
import { randomBaseKey, ratchetBaseKey } from './ratchet.ts';
import { ReceiveKeyring } from './receive-keyring.ts';
import { FakeClock, flipByte, randomBytes } from './test-helpers.fixture.ts';

const SLOT = 7;

/** A sender's chain: epoch e's key is `steps` ratchets after the delivered one. */
async function chain(base: Uint8Array, fromEpoch: number, steps: number): Promise<Uint8Array> {
  let key = base;
  for (let i = 1; i <= steps; i++) key = await ratchetBaseKey(key, makeKid(SLOT, fromEpoch + i));
  return key;
}

async function frameUnder(epoch: number, key: Uint8Array): Promise<Uint8Array> {
  const sender = await SFrameSender.create(DEFAULT_CIPHER_SUITE, makeKid(SLOT, epoch), key);
  return protectFrame(sender, 'opus', randomBytes(40));
}

async function outcome(keyring: ReceiveKeyring, data: Uint8Array, from = 'ana'): Promise<string> {
  try {
    await keyring.decrypt('opus', data, from);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('ReceiveKeyring', () => {
  it('follows a sender up to the look-ahead number of ratchet steps without an envelope', async () => {
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE, { ratchetLookahead: 3 });
    const base = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 10), base);
    expect(await outcome(keyring, await frameUnder(13, await chain(base, 10, 3)))).toBe('ok');
    expect(keyring.kids).toEqual([makeKid(SLOT, 10), makeKid(SLOT, 13)]);
    // The window slid: three more steps from 13 are reachable, a fourth is not.
    expect(await outcome(keyring, await frameUnder(17, await chain(base, 10, 7)))).toBe(
      'unknown-kid',
    );
    expect(await outcome(keyring, await frameUnder(16, await chain(base, 10, 6)))).toBe('ok');
  });

  it('never promotes a look-ahead key on a frame that fails to authenticate', async () => {
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE);
    const base = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 0), base);
    // Under a KID held only as a ratchet guess, a failed tag is reported as key-pending: the
    // sender may have rotated to a random key whose envelope is on the way (or it is forged;
    // a guessed key cannot tell). Either way nothing is promoted and nothing decrypts.
    const forged = await frameUnder(1, randomBaseKey()); // e.g. a fresh key not yet delivered
    expect(await outcome(keyring, forged)).toBe('key-pending');
    const genuine = await frameUnder(1, await chain(base, 0, 1));
    expect(await outcome(keyring, flipByte(genuine, genuine.length - 1))).toBe('key-pending');
    // Under a delivered key a failed tag stays authentication-failed.
    const current = await frameUnder(0, base);
    expect(await outcome(keyring, flipByte(current, current.length - 1))).toBe(
      'authentication-failed',
    );
    expect(keyring.kids).toEqual([makeKid(SLOT, 0)]);
    expect(await outcome(keyring, genuine)).toBe('ok');
  });

  it('replaces a derived key with the delivered key of the same KID', async () => {
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE);
    await keyring.setKey('ana', makeKid(SLOT, 0), randomBaseKey());
    const fresh = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 1), fresh);
    expect(await outcome(keyring, await frameUnder(1, fresh))).toBe('ok');
    expect(await outcome(keyring, await frameUnder(2, await chain(fresh, 1, 1)))).toBe('ok');
  });

  it('keeps the previous key for frames in flight until the grace period ends', async () => {
    const clock = new FakeClock();
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE, {
      now: clock.now,
      previousKeyGraceMs: 1000,
    });
    const old = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 0), old);
    const late = [await frameUnder(0, old), await frameUnder(0, old)];
    await keyring.setKey('ana', makeKid(SLOT, 1), randomBaseKey());
    clock.ms = 1000;
    expect(await outcome(keyring, late[0] as Uint8Array)).toBe('ok');
    clock.ms = 1001;
    expect(await outcome(keyring, late[1] as Uint8Array)).toBe('unknown-kid');
    expect(keyring.kids).toEqual([makeKid(SLOT, 1)]);
  });

  it('drops the previous key as soon as a second newer key arrives', async () => {
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE);
    const old = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 0), old);
    const late = await frameUnder(0, old);
    await keyring.setKey('ana', makeKid(SLOT, 1), randomBaseKey());
    await keyring.setKey('ana', makeKid(SLOT, 2), randomBaseKey());
    expect(await outcome(keyring, late)).toBe('unknown-kid');
  });

  it('refuses a frame whose KID belongs to another participant than the track', async () => {
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE);
    const key = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 0), key);
    expect(await outcome(keyring, await frameUnder(0, key), 'bo')).toBe('sender-mismatch');
  });

  it('forgets every key of a sender that left, look-ahead included', async () => {
    const keyring = new ReceiveKeyring(DEFAULT_CIPHER_SUITE);
    const key = randomBaseKey();
    await keyring.setKey('ana', makeKid(SLOT, 0), key);
    await keyring.removeSender('ana', SLOT);
    expect(keyring.kids).toEqual([]);
    expect(await outcome(keyring, await frameUnder(0, key))).toBe('unknown-kid');
    expect(await outcome(keyring, await frameUnder(1, await chain(key, 0, 1)))).toBe('unknown-kid');
  });
});
