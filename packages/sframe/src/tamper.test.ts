import { describe, expect, it } from 'vitest';
import { cipherSuiteParams } from './cipher-suites.ts';
import { encodedHeaderLength } from './header.ts';
import { SFrameReceiver } from './receiver.ts';
import { SFrameSender } from './sender.ts';
import { ALL_SUITES, flipBit, randomBytes, rejectionCode } from './test-helpers.fixture.ts';

const KID = 0x123n;
const CTR = 0x4567n;

describe.each(ALL_SUITES)('tampering with a frame under suite %i', (cipherSuite) => {
  it('rejects every single-bit flip of header, ciphertext, tag and metadata', async () => {
    const baseKey = randomBytes(16);
    const sender = await SFrameSender.create(cipherSuite, KID, baseKey, { initialCounter: CTR });
    const receiver = new SFrameReceiver(cipherSuite);
    await receiver.addKey(KID, baseKey);
    const metadata = randomBytes(2);
    const plaintext = randomBytes(4);
    const frame = await sender.encrypt(plaintext, metadata);
    expect(frame).toHaveLength(
      encodedHeaderLength(KID, CTR) + plaintext.length + cipherSuiteParams(cipherSuite).nt,
    );

    const codes = new Set<string>();
    for (let bit = 0; bit < frame.length * 8; bit++) {
      codes.add(await rejectionCode(receiver.decrypt(flipBit(frame, bit), metadata)));
    }
    for (let bit = 0; bit < metadata.length * 8; bit++) {
      codes.add(await rejectionCode(receiver.decrypt(frame, flipBit(metadata, bit))));
    }
    await expect(rejectionCode(receiver.decrypt(frame))).resolves.toBe('authentication-failed');
    // Flips land as: wrong CTR/ct/tag/metadata -> authentication, another KID -> unknown,
    // a longer header -> truncated or malformed. Never success and never a replay.
    expect(codes.has('authentication-failed')).toBe(true);
    expect(codes.has('replay')).toBe(false);

    // None of the forgeries moved the replay window: the genuine frame still decrypts once.
    const result = await receiver.decrypt(frame, metadata);
    expect(result).toEqual({ kid: KID, ctr: CTR, plaintext });
    await expect(rejectionCode(receiver.decrypt(frame, metadata))).resolves.toBe('replay');
  });
});
