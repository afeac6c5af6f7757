import { describe, expect, it } from 'vitest';
import { SFrameError } from './errors.ts';
import { sframeEncrypt } from './known-answer.ts';
import { SFrameReceiver } from './receiver.ts';
import { toHex } from './rfc9605-vectors.fixture.ts';
import { SFrameSender } from './sender.ts';
import { randomBytes, rejectionCode } from './test-helpers.fixture.ts';

const SUITE = 4;

async function pair(kid = 0x1234_5678n, options: { replayWindow?: number } = {}) {
  const baseKey = randomBytes(16);
  const sender = await SFrameSender.create(SUITE, kid, baseKey);
  const receiver = new SFrameReceiver(SUITE, options);
  await receiver.addKey(kid, baseKey);
  return { baseKey, sender, receiver, kid };
}

async function frames(sender: SFrameSender, count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(await sender.encrypt(new Uint8Array([i & 0xff])));
  return out;
}

describe('SFrameReceiver errors', () => {
  it('reports a frame for a KID it has no key for as unknown-kid', async () => {
    const { sender } = await pair(7n);
    const receiver = new SFrameReceiver(SUITE);
    await expect(
      rejectionCode(receiver.decrypt(await sender.encrypt(randomBytes(8)))),
    ).resolves.toBe('unknown-kid');
  });

  it('reports a non-minimal header as malformed-header', async () => {
    const { receiver } = await pair();
    const frame = new Uint8Array(40);
    frame[0] = 0x80; // extended 1-byte KID of value 0, which must use the short form
    await expect(rejectionCode(receiver.decrypt(frame))).resolves.toBe('malformed-header');
  });

  it('reports frames cut inside the header or the tag as truncated', async () => {
    const { sender, receiver } = await pair();
    const frame = await sender.encrypt(randomBytes(8));
    await expect(rejectionCode(receiver.decrypt(new Uint8Array(0)))).resolves.toBe('truncated');
    await expect(rejectionCode(receiver.decrypt(frame.subarray(0, 3)))).resolves.toBe('truncated');
    // header (5 bytes) + 15 bytes cannot hold a 16-byte GCM tag
    await expect(rejectionCode(receiver.decrypt(frame.subarray(0, 20)))).resolves.toBe('truncated');
  });

  it('reports a frame under another key with the same KID as authentication-failed', async () => {
    const { receiver, kid } = await pair();
    const forged = await sframeEncrypt({
      cipherSuite: SUITE,
      baseKey: randomBytes(16),
      kid,
      ctr: 0n,
      plaintext: randomBytes(8),
    });
    await expect(rejectionCode(receiver.decrypt(forged))).resolves.toBe('authentication-failed');
  });

  it('reports a metadata mismatch as authentication-failed', async () => {
    const { sender, receiver } = await pair();
    const frame = await sender.encrypt(randomBytes(8), new Uint8Array([1, 2, 3]));
    await expect(rejectionCode(receiver.decrypt(frame, new Uint8Array([1, 2, 4])))).resolves.toBe(
      'authentication-failed',
    );
    await expect(rejectionCode(receiver.decrypt(frame))).resolves.toBe('authentication-failed');
  });

  it('never puts key bytes into error messages', async () => {
    const { baseKey, sender, receiver, kid } = await pair();
    const frame = await sender.encrypt(randomBytes(8));
    const errors: unknown[] = [];
    const attempts = [
      receiver.decrypt(frame.subarray(0, 10)),
      receiver.decrypt(new Uint8Array([0x80, 0x01])),
      receiver.addKey(kid, baseKey),
      new SFrameReceiver(SUITE).decrypt(frame),
      receiver.decrypt(frame.map((b, i) => (i === frame.length - 1 ? b ^ 1 : b))),
    ];
    for (const attempt of attempts) await attempt.catch((error: unknown) => errors.push(error));
    expect(errors).toHaveLength(attempts.length);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SFrameError);
      expect((error as Error).message.toLowerCase()).not.toContain(toHex(baseKey).slice(0, 8));
    }
  });
});

describe('SFrameReceiver keyring', () => {
  it('adds, reports and removes keys by KID', async () => {
    const { sender, receiver, kid, baseKey } = await pair();
    expect(receiver.hasKey(kid)).toBe(true);
    expect(receiver.kids).toEqual([kid]);
    await expect(rejectionCode(receiver.addKey(kid, baseKey))).resolves.toBe('invalid-argument');
    expect(receiver.removeKey(kid)).toBe(true);
    expect(receiver.hasKey(kid)).toBe(false);
    expect(receiver.removeKey(kid)).toBe(false);
    await expect(
      rejectionCode(receiver.decrypt(await sender.encrypt(randomBytes(4)))),
    ).resolves.toBe('unknown-kid');
  });

  it('lets a frame arriving while its key is still being imported wait for the key', async () => {
    const baseKey = randomBytes(16);
    const sender = await SFrameSender.create(SUITE, 3n, baseKey);
    const frame = await sender.encrypt(new Uint8Array([42]));
    const receiver = new SFrameReceiver(SUITE);
    const adding = receiver.addKey(3n, baseKey);
    const decrypted = receiver.decrypt(frame);
    await adding;
    await expect(decrypted).resolves.toMatchObject({ kid: 3n, ctr: 0n });
  });

  it('refuses an unsupported cipher suite up front', () => {
    expect(() => new SFrameReceiver(6)).toThrow(/not supported/);
    expect(() => new SFrameReceiver(0x0004, { replayWindow: 0 })).toThrow(SFrameError);
  });
});

describe('SFrameReceiver replay protection', () => {
  it('accepts each frame once and rejects a second copy as replay', async () => {
    const { sender, receiver } = await pair();
    const [frame] = await frames(sender, 1);
    if (frame === undefined) throw new Error('no frame');
    await expect(receiver.decrypt(frame)).resolves.toMatchObject({ ctr: 0n });
    await expect(rejectionCode(receiver.decrypt(frame))).resolves.toBe('replay');
  });

  it('accepts frames out of order within the window, each exactly once', async () => {
    const { sender, receiver } = await pair();
    const sent = await frames(sender, 10);
    const order = [5, 3, 9, 0, 1, 8, 2, 7, 4, 6];
    for (const i of order)
      await expect(receiver.decrypt(sent[i] as Uint8Array)).resolves.toBeTruthy();
    for (const i of order) {
      await expect(rejectionCode(receiver.decrypt(sent[i] as Uint8Array))).resolves.toBe('replay');
    }
  });

  it('rejects a frame older than the window and accepts one just inside it', async () => {
    const { sender, receiver } = await pair(0x1234_5678n, { replayWindow: 128 });
    const sent = await frames(sender, 201);
    await receiver.decrypt(sent[200] as Uint8Array);
    await expect(rejectionCode(receiver.decrypt(sent[72] as Uint8Array))).resolves.toBe('replay');
    await expect(receiver.decrypt(sent[73] as Uint8Array)).resolves.toMatchObject({ ctr: 73n });
  });

  it('does not let a forged frame with a far-ahead CTR advance the window', async () => {
    const { sender, receiver, kid } = await pair();
    const sent = await frames(sender, 2);
    await receiver.decrypt(sent[0] as Uint8Array);
    const forged = await sframeEncrypt({
      cipherSuite: SUITE,
      baseKey: randomBytes(16),
      kid,
      ctr: 1_000_000n,
      plaintext: randomBytes(4),
    });
    await expect(rejectionCode(receiver.decrypt(forged))).resolves.toBe('authentication-failed');
    // Had the forgery moved the window to 1,000,000, CTR 1 would now be "too old".
    await expect(receiver.decrypt(sent[1] as Uint8Array)).resolves.toMatchObject({ ctr: 1n });
  });

  it('accepts only one of two copies decrypted concurrently', async () => {
    const { sender, receiver } = await pair();
    const [frame] = await frames(sender, 1);
    const results = await Promise.allSettled([
      receiver.decrypt(frame as Uint8Array),
      receiver.decrypt(frame as Uint8Array),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({ code: 'replay' });
  });

  it('keeps a separate window per KID', async () => {
    const keyA = randomBytes(16);
    const keyB = randomBytes(16);
    const a = await SFrameSender.create(SUITE, 10n, keyA);
    const b = await SFrameSender.create(SUITE, 11n, keyB);
    const receiver = new SFrameReceiver(SUITE);
    await receiver.addKey(10n, keyA);
    await receiver.addKey(11n, keyB);
    const sentA = await frames(a, 200);
    await receiver.decrypt(sentA[199] as Uint8Array);
    // CTR 0 of KID 11 is neither a replay of KID 10's CTR 0 nor "too old" for KID 10's window.
    const frameB = await b.encrypt(randomBytes(4));
    await expect(receiver.decrypt(frameB)).resolves.toMatchObject({ kid: 11n, ctr: 0n });
    await expect(rejectionCode(receiver.decrypt(sentA[0] as Uint8Array))).resolves.toBe('replay');
  });
});
