import { describe, expect, it } from 'vitest';
import {
  AUDIO,
  framesPerKeyInterval,
  opusFrame,
  PROBE_BYTES,
  readProbe,
  VIDEO,
  videoFrameBytes,
  vp8Frame,
} from './media-profile.ts';

describe('the synthetic media profile', () => {
  it('averages 1.2 Mbit/s of video over a key frame interval', () => {
    const frames = framesPerKeyInterval();
    let bytes = 0;
    for (let i = 0; i < frames * 20; i++) bytes += videoFrameBytes(i, i % frames === 0);
    const bitsPerSecond = (bytes * 8) / ((frames * 20) / VIDEO.framesPerSecond);
    expect(bitsPerSecond).toBeGreaterThan(VIDEO.bitsPerSecond * 0.95);
    expect(bitsPerSecond).toBeLessThan(VIDEO.bitsPerSecond * 1.05);
  });

  it('makes key frames several times larger than delta frames', () => {
    expect(videoFrameBytes(0, true)).toBeGreaterThan(3 * videoFrameBytes(0, false));
  });

  it('writes a VP8 frame tag, the key frame start code and the probe after the clear part', () => {
    const key = vp8Frame(5000, true, { sequence: 7, sentAtMs: 123.5 });
    expect(key[0]).toBe(0x10);
    expect([...key.subarray(3, 6)]).toEqual([0x9d, 0x01, 0x2a]);
    expect(readProbe(key, 10)).toEqual({ sequence: 7, sentAtMs: 123.5 });
    const delta = vp8Frame(10, false, { sequence: 8, sentAtMs: 1 });
    expect(delta[0]).toBe(0x11);
    expect(delta.length).toBe(3 + PROBE_BYTES);
    expect(readProbe(delta, 3).sequence).toBe(8);
  });

  it('leads an Opus frame with the probe', () => {
    const frame = opusFrame(AUDIO.frameBytes, { sequence: 0xffff_fffe, sentAtMs: 99 });
    expect(frame.length).toBe(AUDIO.frameBytes);
    expect(readProbe(frame)).toEqual({ sequence: 0xffff_fffe, sentAtMs: 99 });
  });
});
