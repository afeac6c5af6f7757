import { protectFrame, SFrameReceiver, SFrameSender, unprotectFrame } from '@skjerm/sframe';
import { describe, expect, it } from 'vitest';
import { opusFrame, PROBE_BYTES, readProbe, vp8Frame } from './media-profile.ts';
import { SFrameKey } from './sframe-key.ts';

const baseKey = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const kid = 3 * 0x1_0000;

const frames = Array.from({ length: 40 }, (_, sequence) => {
  const probe = { sequence, sentAtMs: sequence * 33.3 };
  if (sequence % 3 === 0) return { codec: 'opus' as const, frame: opusFrame(80, probe) };
  return {
    codec: 'vp8' as const,
    frame: vp8Frame(700 + sequence * 90, sequence % 10 === 1, probe),
  };
});

describe('SFrameKey against @skjerm/sframe', () => {
  it('seals exactly what protectFrame writes, counter for counter', async () => {
    const library = await SFrameSender.create(4, BigInt(kid), baseKey);
    const key = await SFrameKey.create(4, BigInt(kid), baseKey);
    for (const { codec, frame } of frames) {
      expect(key.seal(codec, frame)).toEqual(await protectFrame(library, codec, frame));
    }
  });

  it("seals frames the library's receiver opens", async () => {
    const key = await SFrameKey.create(5, BigInt(kid), baseKey);
    const receiver = new SFrameReceiver(5);
    await receiver.addKey(BigInt(kid), baseKey);
    for (const { codec, frame } of frames) {
      const opened = await unprotectFrame(receiver, codec, key.seal(codec, frame));
      expect(opened.frame).toEqual(frame);
    }
  });

  it("opens the library's frames, whole or by peeking at the first packet", async () => {
    const library = await SFrameSender.create(4, BigInt(kid), baseKey);
    const key = await SFrameKey.create(4, BigInt(kid), baseKey);
    for (const { codec, frame } of frames) {
      const sealed = await protectFrame(library, codec, frame);
      const clear = codec === 'opus' ? 0 : frame[0] === 0x10 ? 10 : 3;
      expect(key.open(codec, sealed)).toEqual(frame.subarray(clear));
      const peeked = key.peek(codec, sealed.subarray(0, 1096), PROBE_BYTES);
      expect(readProbe(peeked)).toEqual(readProbe(frame, clear));
    }
  });

  it('refuses a frame whose ciphertext or clear VP8 header was changed', async () => {
    const key = await SFrameKey.create(4, BigInt(kid), baseKey);
    const sealed = key.seal('vp8', vp8Frame(500, false, { sequence: 1, sentAtMs: 1 }));
    const body = sealed.slice();
    body[40] = (body[40] as number) ^ 1;
    expect(() => key.open('vp8', body)).toThrow();
    const header = sealed.slice();
    header[1] = (header[1] as number) ^ 1; // clear, but authenticated
    expect(() => key.open('vp8', header)).toThrow();
  });

  it("refuses another sender's KID", async () => {
    const other = await SFrameKey.create(4, BigInt(kid + 0x1_0000), baseKey);
    const key = await SFrameKey.create(4, BigInt(kid), baseKey);
    const sealed = other.seal('opus', opusFrame(80, { sequence: 1, sentAtMs: 1 }));
    expect(() => key.peek('opus', sealed, PROBE_BYTES)).toThrow(/KID/);
  });
});
