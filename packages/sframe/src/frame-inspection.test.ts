import { describe, expect, it } from 'vitest';
import { inspectionFalseAcceptBound, inspectProtectedFrame } from './frame-inspection.ts';
import { protectFrame } from './frame-layout.ts';
import { SFrameSender } from './sender.ts';
import { randomBytes, vp8DeltaFrame, vp8KeyFrame } from './test-helpers.fixture.ts';

const KID = 0x5a5a_0001n;
const EXPECTED = new Set([KID, 0x5a5a_0002n, 0x5a5a_0003n]);
const SUITE = 1;

async function sender() {
  return SFrameSender.create(SUITE, KID, randomBytes(16), { initialCounter: 0x1_0000n });
}

describe('inspectProtectedFrame', () => {
  it('reads KID, CTR and the key-frame flag from the start of a protected VP8 key frame', async () => {
    const data = await protectFrame(await sender(), 'vp8', vp8KeyFrame(1500));
    const firstPacket = data.subarray(0, 1100);
    expect(
      inspectProtectedFrame({
        codec: 'vp8',
        cipherSuite: SUITE,
        data: firstPacket,
        frameLength: data.length,
        expectedKids: EXPECTED,
      }),
    ).toEqual({
      wellFormed: true,
      kid: KID,
      ctr: 0x1_0000n,
      keyFrame: true,
      headerOffset: 10,
      headerLength: 8,
    });
  });

  it('marks a protected VP8 delta frame as not a key frame', async () => {
    const s = await sender();
    await s.encrypt(new Uint8Array(1));
    const data = await protectFrame(s, 'video/VP8', vp8DeltaFrame(50));
    expect(
      inspectProtectedFrame({ codec: 'vp8', cipherSuite: SUITE, data, expectedKids: EXPECTED }),
    ).toMatchObject({
      wellFormed: true,
      ctr: 0x1_0001n,
      keyFrame: false,
      headerOffset: 3,
    });
  });

  it('reads a protected Opus frame from its first byte and reports no key-frame flag', async () => {
    const data = await protectFrame(await sender(), 'opus', randomBytes(80));
    const result = inspectProtectedFrame({
      codec: 'opus',
      cipherSuite: SUITE,
      data,
      expectedKids: EXPECTED,
    });
    expect(result).toMatchObject({ wellFormed: true, kid: KID, headerOffset: 0 });
    expect(result).not.toHaveProperty('keyFrame');
  });

  it('rejects plaintext VP8 frames when the announced KIDs are required', () => {
    expect(inspectionFalseAcceptBound(EXPECTED)).toBeLessThan(1e-10);
    for (let i = 0; i < 3000; i++) {
      for (const data of [vp8KeyFrame(200), vp8DeltaFrame(200)]) {
        const result = inspectProtectedFrame({
          codec: 'vp8',
          cipherSuite: SUITE,
          data,
          expectedKids: EXPECTED,
        });
        expect(result.wellFormed).toBe(false);
      }
    }
  });

  it('lets most plaintext through on structure alone, which is why KIDs are required', () => {
    let passed = 0;
    for (let i = 0; i < 1000; i++) {
      if (
        inspectProtectedFrame({ codec: 'vp8', cipherSuite: SUITE, data: vp8DeltaFrame(200) })
          .wellFormed
      )
        passed++;
    }
    expect(passed).toBeGreaterThan(900);
  });

  it('refuses a KID that was not announced', async () => {
    const data = await protectFrame(await sender(), 'opus', randomBytes(10));
    expect(
      inspectProtectedFrame({
        codec: 'opus',
        cipherSuite: SUITE,
        data,
        expectedKids: new Set([1n]),
      }),
    ).toMatchObject({ wellFormed: false, reason: 'unexpected-kid' });
  });

  it('reports data cut inside the clear prefix or the SFrame header as truncated', async () => {
    const data = await protectFrame(await sender(), 'vp8', vp8KeyFrame(100));
    for (const n of [0, 5, 10, 11, 17]) {
      expect(
        inspectProtectedFrame({ codec: 'vp8', cipherSuite: SUITE, data: data.subarray(0, n) }),
      ).toMatchObject({
        wellFormed: false,
        reason: 'truncated',
      });
    }
  });

  it('reports a whole frame too short to hold its tag as truncated', async () => {
    const data = await protectFrame(await sender(), 'opus', new Uint8Array(0));
    const cut = data.subarray(0, data.length - 1);
    expect(
      inspectProtectedFrame({ codec: 'opus', cipherSuite: SUITE, data, frameLength: data.length })
        .wellFormed,
    ).toBe(true);
    expect(
      inspectProtectedFrame({
        codec: 'opus',
        cipherSuite: SUITE,
        data: cut,
        frameLength: cut.length,
      }),
    ).toMatchObject({
      wellFormed: false,
      reason: 'truncated',
    });
  });

  it('rejects a VP8 key frame without its start code and a non-minimal SFrame header', () => {
    const noStartCode = vp8KeyFrame(50);
    noStartCode[4] = 0x02;
    expect(
      inspectProtectedFrame({ codec: 'vp8', cipherSuite: SUITE, data: noStartCode }),
    ).toMatchObject({
      reason: 'malformed-vp8-header',
    });
    const nonMinimal = new Uint8Array([0x31, 0, 0, 0x80, 0x03, 1, 2, 3]);
    expect(
      inspectProtectedFrame({ codec: 'vp8', cipherSuite: SUITE, data: nonMinimal }),
    ).toMatchObject({
      reason: 'malformed-header',
    });
  });

  it('reports codecs other than VP8 and Opus, and unknown suites, without throwing', () => {
    const data = randomBytes(30);
    expect(inspectProtectedFrame({ codec: 'h264', cipherSuite: SUITE, data })).toMatchObject({
      wellFormed: false,
      reason: 'unsupported-codec',
      detail: expect.stringMatching(/only VP8 and Opus/),
    });
    expect(inspectProtectedFrame({ codec: 'opus', cipherSuite: 9, data })).toMatchObject({
      reason: 'unsupported-cipher-suite',
    });
  });

  it('bounds the false-accept probability by KID length', () => {
    expect(inspectionFalseAcceptBound([3n])).toBe(1 / 16);
    expect(inspectionFalseAcceptBound([0xffn])).toBe(2 ** -12);
    expect(inspectionFalseAcceptBound([0x1000_0000n, 0x1000_0001n])).toBe(2 * 2 ** -36);
  });
});
