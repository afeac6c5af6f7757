import { describe, expect, it } from 'vitest';
import {
  isSamplePlaintextMessage,
  MAX_PLAINTEXT_SAMPLE,
  PlaintextSampler,
} from './plaintext-sampler.ts';

describe('PlaintextSampler (test hook)', () => {
  it('collects copies of the next frames of every sender attached when asked', async () => {
    const sampler = new PlaintextSampler();
    const audio = sampler.attach();
    const video = sampler.attach();
    audio.observe(Uint8Array.of(0));
    const sampling = sampler.sample(2);
    const frame = Uint8Array.of(1, 1);
    audio.observe(frame);
    frame.fill(9); // the cryptor reuses nothing, but a copy must not care
    video.observe(Uint8Array.of(2));
    audio.observe(Uint8Array.of(3));
    audio.observe(Uint8Array.of(4));
    video.observe(Uint8Array.of(5));
    expect(await sampling).toEqual([
      Uint8Array.of(1, 1),
      Uint8Array.of(2),
      Uint8Array.of(3),
      Uint8Array.of(5),
    ]);
  });

  it('stops waiting for a sender whose transform ended, and answers at once when none sends', async () => {
    const sampler = new PlaintextSampler();
    await expect(sampler.sample(3)).resolves.toEqual([]);
    const audio = sampler.attach();
    const video = sampler.attach();
    const sampling = sampler.sample(1);
    audio.observe(Uint8Array.of(7));
    video.detach();
    expect(await sampling).toEqual([Uint8Array.of(7)]);
  });

  it('accepts only well-formed requests of a bounded size', () => {
    const valid = { type: 'sample-plaintext', requestId: 1, count: 10 };
    expect(isSamplePlaintextMessage(valid)).toBe(true);
    for (const invalid of [
      { ...valid, count: 0 },
      { ...valid, count: MAX_PLAINTEXT_SAMPLE + 1 },
      { ...valid, count: 1.5 },
      { ...valid, requestId: 'x' },
      { ...valid, type: 'getStats' },
      null,
    ]) {
      expect(isSamplePlaintextMessage(invalid)).toBe(false);
    }
  });
});
