import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeHeader, MAX_UINT64 } from './header.ts';
import { SFrameReceiver } from './receiver.ts';
import { SFrameSender } from './sender.ts';
import { ALL_SUITES, randomBytes, rejectionCode } from './test-helpers.fixture.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SFrameSender', () => {
  it('numbers frames 0, 1, 2, ... under its KID', async () => {
    const sender = await SFrameSender.create(4, 0xabcdefn, randomBytes(16));
    for (let i = 0n; i < 3n; i++) {
      expect(decodeHeader(await sender.encrypt(randomBytes(10)))).toMatchObject({
        kid: 0xabcdefn,
        ctr: i,
      });
    }
    expect(sender.nextCounter).toBe(3n);
  });

  it('gives concurrent encryptions distinct counters', async () => {
    const sender = await SFrameSender.create(1, 1n, randomBytes(16));
    const out = await Promise.all(Array.from({ length: 50 }, () => sender.encrypt(randomBytes(4))));
    const ctrs = new Set(out.map((frame) => decodeHeader(frame).ctr));
    expect(ctrs.size).toBe(50);
  });

  it('encrypts with the last counter 2^64-1 and then refuses with counter-exhausted', async () => {
    const baseKey = randomBytes(16);
    const sender = await SFrameSender.create(4, 5n, baseKey, { initialCounter: MAX_UINT64 });
    const last = await sender.encrypt(randomBytes(4));
    expect(decodeHeader(last).ctr).toBe(MAX_UINT64);
    await expect(rejectionCode(sender.encrypt(randomBytes(4)))).resolves.toBe('counter-exhausted');
    await expect(rejectionCode(sender.encrypt(randomBytes(4)))).resolves.toBe('counter-exhausted');
    const receiver = new SFrameReceiver(4);
    await receiver.addKey(5n, baseKey);
    await expect(receiver.decrypt(last)).resolves.toMatchObject({ ctr: MAX_UINT64 });
  });

  it('imports its keys once at creation, not per frame', async () => {
    const sender = await SFrameSender.create(2, 9n, randomBytes(16));
    const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    const deriveBits = vi.spyOn(globalThis.crypto.subtle, 'deriveBits');
    for (let i = 0; i < 5; i++) await sender.encrypt(randomBytes(100));
    expect(importKey).not.toHaveBeenCalled();
    expect(deriveBits).not.toHaveBeenCalled();
  });

  it('refuses unsupported cipher suites, bad KIDs and empty base keys', async () => {
    await expect(rejectionCode(SFrameSender.create(0, 1n, randomBytes(16)))).resolves.toBe(
      'unsupported-cipher-suite',
    );
    await expect(rejectionCode(SFrameSender.create(4, -1n, randomBytes(16)))).resolves.toBe(
      'invalid-argument',
    );
    await expect(rejectionCode(SFrameSender.create(4, 1n, new Uint8Array(0)))).resolves.toBe(
      'invalid-argument',
    );
  });

  it.each(ALL_SUITES)('round-trips frames of many sizes under suite %i', async (cipherSuite) => {
    const baseKey = randomBytes(32);
    const sender = await SFrameSender.create(cipherSuite, 300n, baseKey);
    const receiver = new SFrameReceiver(cipherSuite);
    await receiver.addKey(300n, baseKey);
    for (const size of [0, 1, 15, 16, 17, 1200, 70_000]) {
      const plaintext = randomBytes(size);
      const frame = await sender.encrypt(plaintext);
      expect((await receiver.decrypt(frame)).plaintext).toEqual(plaintext);
    }
  });

  it.each(ALL_SUITES)(
    'returns frames that span their whole ArrayBuffer under suite %i',
    async (cipherSuite) => {
      const sender = await SFrameSender.create(cipherSuite, 70_000n, randomBytes(16));
      for (const metadataFirst of [false, true]) {
        const frame = await sender.encrypt(randomBytes(1000), randomBytes(10), { metadataFirst });
        expect(frame.byteOffset).toBe(0);
        expect(frame.byteLength).toBe(frame.buffer.byteLength);
      }
    },
  );

  it('writes the metadata in the clear ahead of the header when asked', async () => {
    const sender = await SFrameSender.create(3, 1n, randomBytes(16));
    const metadata = new Uint8Array([7, 7, 7]);
    const frame = await sender.encrypt(randomBytes(20), metadata, { metadataFirst: true });
    expect(frame.subarray(0, 3)).toEqual(metadata);
    expect(decodeHeader(frame.subarray(3))).toMatchObject({ kid: 1n, ctr: 0n });
  });
});
