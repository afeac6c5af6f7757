import { describe, expect, it } from 'vitest';
import { type EncodedFrameLike, FrameCryptor } from './frame-cryptor.ts';
import { makeKid } from './kid.ts';
import { MediaKeys } from './media-keys.ts';
import type { E2eeTransformOptions } from './messages.ts';
import { randomBaseKey } from './ratchet.ts';
import { flipByte, randomBytes, vp8DeltaFrame, vp8KeyFrame } from './test-helpers.fixture.ts';

class FakeEncodedFrame implements EncodedFrameLike {
  data: ArrayBuffer;
  readonly type: 'key' | 'delta' | undefined;
  readonly #mimeType: string | undefined;

  constructor(bytes: Uint8Array, type?: 'key' | 'delta', mimeType?: string) {
    this.data = new Uint8Array(bytes).buffer;
    this.type = type;
    this.#mimeType = mimeType;
  }

  getMetadata(): { mimeType?: string } {
    return this.#mimeType === undefined ? {} : { mimeType: this.#mimeType };
  }
}

const ANA_KID = makeKid(1, 0);

/** ana's send keys and bo's receive keys for ana, sharing one base key. */
async function keyPair() {
  const key = randomBaseKey();
  const ana = new MediaKeys();
  const bo = new MediaKeys();
  await ana.setSenderKey(ANA_KID, key);
  await bo.receive.setKey('ana', ANA_KID, key);
  return { ana, bo };
}

/** Runs frames through a cryptor over real TransformStreams and collects what comes out. */
async function pipe(
  cryptor: FrameCryptor,
  frames: readonly FakeEncodedFrame[],
): Promise<FakeEncodedFrame[]> {
  const out: FakeEncodedFrame[] = [];
  const readable = new ReadableStream<FakeEncodedFrame>({
    start(controller) {
      for (const frame of frames) controller.enqueue(frame);
      controller.close();
    },
  });
  const writable = new WritableStream<FakeEncodedFrame>({ write: (frame) => void out.push(frame) });
  await cryptor.run(readable, writable);
  return out;
}

function cryptor(keys: MediaKeys, options: Partial<E2eeTransformOptions> = {}) {
  return new FrameCryptor({
    direction: options.direction ?? 'receive',
    codec: options.codec ?? 'vp8',
    participantId: options.participantId ?? 'ana',
    keys,
  });
}

const bytes = (frame: FakeEncodedFrame) => new Uint8Array(frame.data);

describe('FrameCryptor', () => {
  it('round-trips VP8 key and delta frames, keeping the VP8 payload header in the clear', async () => {
    const { ana, bo } = await keyPair();
    const plain = [vp8KeyFrame(200), vp8DeltaFrame(120)];
    const sent = await pipe(cryptor(ana, { direction: 'send' }), [
      new FakeEncodedFrame(plain[0] as Uint8Array, 'key'),
      new FakeEncodedFrame(plain[1] as Uint8Array, 'delta'),
    ]);
    expect(sent).toHaveLength(2);
    expect(bytes(sent[0] as FakeEncodedFrame).subarray(0, 10)).toEqual(
      (plain[0] as Uint8Array).subarray(0, 10),
    );
    expect(bytes(sent[1] as FakeEncodedFrame).subarray(0, 3)).toEqual(
      (plain[1] as Uint8Array).subarray(0, 3),
    );
    expect(bytes(sent[0] as FakeEncodedFrame).subarray(10, 40)).not.toEqual(
      (plain[0] as Uint8Array).subarray(10, 40),
    );
    const received = await pipe(cryptor(bo), sent);
    expect(received.map(bytes)).toEqual(plain);
  });

  it('round-trips Opus frames, encrypted whole', async () => {
    const { ana, bo } = await keyPair();
    const plain = [randomBytes(60), randomBytes(1), randomBytes(300)];
    const sender = cryptor(ana, { direction: 'send', codec: 'opus' });
    const sent = await pipe(
      sender,
      plain.map((p) => new FakeEncodedFrame(p, undefined, 'audio/opus')),
    );
    const receiver = cryptor(bo, { codec: 'opus' });
    expect((await pipe(receiver, sent)).map(bytes)).toEqual(plain);
    expect(sender.stats.framesEncrypted).toBe(3);
    expect(receiver.stats.framesDecrypted).toBe(3);
  });

  it('drops and counts frames with an unknown KID, tampered bytes, a replay or another sender, passing none through', async () => {
    const { ana, bo } = await keyPair();
    const sent = await pipe(
      cryptor(ana, { direction: 'send' }),
      [vp8KeyFrame(), vp8DeltaFrame(), vp8DeltaFrame()].map((f) => new FakeEncodedFrame(f)),
    );
    const [key, delta, other] = sent.map(bytes) as [Uint8Array, Uint8Array, Uint8Array];
    const stranger = cryptor(new MediaKeys());
    expect(await pipe(stranger, [new FakeEncodedFrame(key)])).toEqual([]);
    expect(stranger.stats.framesDropped['unknown-kid']).toBe(1);

    const receiver = cryptor(bo);
    const out = await pipe(receiver, [
      new FakeEncodedFrame(flipByte(key, 2)), // clear VP8 header is authenticated
      new FakeEncodedFrame(flipByte(delta, delta.length - 5)),
      new FakeEncodedFrame(delta.subarray(0, 3)),
      new FakeEncodedFrame(other),
      new FakeEncodedFrame(other),
    ]);
    expect(out.map(bytes)).toHaveLength(1);
    expect(receiver.stats.framesDropped).toMatchObject({
      'authentication-failed': 2,
      malformed: 1,
      replay: 1,
    });
    const wrongTrack = cryptor(bo, { participantId: 'cai' });
    expect(await pipe(wrongTrack, [new FakeEncodedFrame(key)])).toEqual([]);
    expect(wrongTrack.stats.framesDropped['sender-mismatch']).toBe(1);
  });

  it('drops outgoing frames while it has no sender key instead of sending plaintext', async () => {
    const sender = cryptor(new MediaKeys(), { direction: 'send', codec: 'opus' });
    expect(await pipe(sender, [new FakeEncodedFrame(randomBytes(50))])).toEqual([]);
    expect(sender.stats.framesDropped['no-key']).toBe(1);
    expect(sender.stats.framesEncrypted).toBe(0);
  });

  it('drops frames of a codec that cannot be end-to-end encrypted', async () => {
    const { ana } = await keyPair();
    const sender = cryptor(ana, { direction: 'send' });
    expect(
      await pipe(sender, [new FakeEncodedFrame(randomBytes(50), 'key', 'video/H264')]),
    ).toEqual([]);
    expect(sender.stats.framesDropped['unsupported-codec']).toBe(1);
  });

  it('passes zero-byte placeholder frames through untouched', async () => {
    const sender = cryptor(new MediaKeys(), { direction: 'send' });
    expect(await pipe(sender, [new FakeEncodedFrame(new Uint8Array(0))])).toHaveLength(1);
  });
});
