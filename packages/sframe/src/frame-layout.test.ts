import { describe, expect, it } from 'vitest';
import { SFrameError } from './errors.ts';
import {
  clearPrefixLength,
  parseE2eeCodec,
  protectFrame,
  unprotectFrame,
  VP8_DELTA_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
} from './frame-layout.ts';
import { decodeHeader, encodedHeaderLength } from './header.ts';
import { SFrameReceiver } from './receiver.ts';
import { SFrameSender } from './sender.ts';
import {
  ALL_SUITES,
  flipBit,
  randomBytes,
  rejectionCode,
  vp8DeltaFrame,
  vp8KeyFrame,
} from './test-helpers.fixture.ts';

const KID = 0x0102_0304n;

async function pair(cipherSuite = 1) {
  const baseKey = randomBytes(16);
  const sender = await SFrameSender.create(cipherSuite, KID, baseKey);
  const receiver = new SFrameReceiver(cipherSuite);
  await receiver.addKey(KID, baseKey);
  return { sender, receiver };
}

describe('VP8 frame layout', () => {
  it('keeps exactly the 10-byte payload header of a key frame in the clear and round-trips', async () => {
    const { sender, receiver } = await pair();
    const frame = vp8KeyFrame(500);
    const protectedFrame = await protectFrame(sender, 'vp8', frame);
    expect(protectedFrame.subarray(0, VP8_KEY_FRAME_CLEAR_BYTES)).toEqual(frame.subarray(0, 10));
    expect(decodeHeader(protectedFrame.subarray(10))).toMatchObject({ kid: KID, ctr: 0n });
    // Byte 10 onwards is ciphertext: the plaintext continuation is gone.
    expect(protectedFrame.subarray(10 + encodedHeaderLength(KID, 0n), 30)).not.toEqual(
      frame.subarray(10, 30 - encodedHeaderLength(KID, 0n)),
    );
    expect(protectedFrame).toHaveLength(frame.length + encodedHeaderLength(KID, 0n) + 10);
    const result = await unprotectFrame(receiver, 'video/VP8', protectedFrame);
    expect(result).toEqual({ kid: KID, ctr: 0n, frame });
    // The transform hands `.buffer` to WebRTC, so views must span their whole buffer.
    for (const view of [protectedFrame, result.frame]) {
      expect(view.byteOffset).toBe(0);
      expect(view.byteLength).toBe(view.buffer.byteLength);
    }
  });

  it('keeps exactly the 3-byte frame tag of a delta frame in the clear and round-trips', async () => {
    const { sender, receiver } = await pair();
    const frame = vp8DeltaFrame(300);
    const protectedFrame = await protectFrame(sender, 'vp8', frame);
    expect(protectedFrame.subarray(0, VP8_DELTA_FRAME_CLEAR_BYTES)).toEqual(frame.subarray(0, 3));
    expect(decodeHeader(protectedFrame.subarray(3))).toMatchObject({ kid: KID, ctr: 0n });
    expect((await unprotectFrame(receiver, 'vp8', protectedFrame)).frame).toEqual(frame);
  });

  it.each(ALL_SUITES)('rejects a flip of any clear-prefix bit under suite %i', async (suite) => {
    const { sender, receiver } = await pair(suite);
    const frame = vp8KeyFrame(40);
    const protectedFrame = await protectFrame(sender, 'vp8', frame);
    for (let bit = 0; bit < VP8_KEY_FRAME_CLEAR_BYTES * 8; bit++) {
      const code = await rejectionCode(
        unprotectFrame(receiver, 'vp8', flipBit(protectedFrame, bit)),
      );
      expect(['authentication-failed', 'malformed-header', 'truncated', 'unknown-kid']).toContain(
        code,
      );
    }
    expect((await unprotectFrame(receiver, 'vp8', protectedFrame)).frame).toEqual(frame);
  });

  it('refuses VP8 frames shorter than their payload header instead of sending them', async () => {
    const { sender } = await pair();
    expect(() => clearPrefixLength('vp8', new Uint8Array(0))).toThrow(SFrameError);
    await expect(
      rejectionCode(protectFrame(sender, 'vp8', vp8KeyFrame(0).subarray(0, 9))),
    ).resolves.toBe('malformed-frame');
    await expect(
      rejectionCode(protectFrame(sender, 'vp8', new Uint8Array([0x31, 0]))),
    ).resolves.toBe('malformed-frame');
    // A frame of exactly its header is valid and round-trips.
    await expect(protectFrame(sender, 'vp8', vp8KeyFrame(0))).resolves.toHaveLength(10 + 5 + 10);
  });

  it('reports protected VP8 data that ends within its clear prefix as truncated', async () => {
    const { receiver } = await pair();
    await expect(rejectionCode(unprotectFrame(receiver, 'vp8', vp8KeyFrame(0)))).resolves.toBe(
      'truncated',
    );
    await expect(rejectionCode(unprotectFrame(receiver, 'vp8', new Uint8Array(0)))).resolves.toBe(
      'truncated',
    );
  });
});

describe('Opus frame layout', () => {
  it('encrypts the whole frame so that no 8-byte run of plaintext survives', async () => {
    const { sender, receiver } = await pair(3);
    const frame = new TextEncoder().encode(
      'Opus TOC byte and a recognisable run of audio data. '.repeat(5),
    );
    const protectedFrame = await protectFrame(sender, 'opus', frame);
    expect(decodeHeader(protectedFrame)).toMatchObject({ kid: KID, ctr: 0n });
    const wire = Buffer.from(protectedFrame);
    for (let i = 0; i + 8 <= frame.length; i++) {
      expect(wire.indexOf(frame.subarray(i, i + 8))).toBe(-1);
    }
    expect(await unprotectFrame(receiver, 'audio/opus', protectedFrame)).toEqual({
      kid: KID,
      ctr: 0n,
      frame,
    });
  });

  it('round-trips an empty Opus frame', async () => {
    const { sender, receiver } = await pair(3);
    const protectedFrame = await protectFrame(sender, 'opus', new Uint8Array(0));
    expect((await unprotectFrame(receiver, 'opus', protectedFrame)).frame).toHaveLength(0);
  });
});

describe('codecs with end-to-end encryption', () => {
  it('accepts VP8 and Opus by name or MIME type', () => {
    expect(parseE2eeCodec('VP8')).toBe('vp8');
    expect(parseE2eeCodec('video/VP8')).toBe('vp8');
    expect(parseE2eeCodec('audio/opus')).toBe('opus');
  });

  it.each(['h264', 'video/H264', 'vp9', 'av1', 'audio/G722'])(
    'refuses %s with a message naming VP8 and Opus',
    async (codec) => {
      const { sender, receiver } = await pair();
      expect(() => parseE2eeCodec(codec)).toThrow(
        /only VP8 and Opus are offered when end-to-end encryption is on/,
      );
      await expect(rejectionCode(protectFrame(sender, codec, randomBytes(20)))).resolves.toBe(
        'unsupported-codec',
      );
      await expect(rejectionCode(unprotectFrame(receiver, codec, randomBytes(40)))).resolves.toBe(
        'unsupported-codec',
      );
    },
  );
});
