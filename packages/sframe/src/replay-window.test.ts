import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './replay-window.ts';

describe('ReplayWindow', () => {
  it('accepts any first counter and then refuses it', () => {
    const window = new ReplayWindow(4);
    expect(window.accept(1000n)).toBe(true);
    expect(window.accept(1000n)).toBe(false);
    expect(window.highest).toBe(1000n);
  });

  it('remembers counters below the highest within its size only', () => {
    const window = new ReplayWindow(4);
    window.accept(10n);
    expect(window.isFresh(6n)).toBe(false); // age 4 = size: too old
    expect(window.accept(7n)).toBe(true); // age 3: inside
    expect(window.accept(7n)).toBe(false);
    expect(window.accept(12n)).toBe(true); // slides: 7 is now age 5
    expect(window.isFresh(9n)).toBe(true);
    expect(window.isFresh(8n)).toBe(false);
    expect(window.isFresh(10n)).toBe(false);
  });

  it('forgets everything when jumping further than its size', () => {
    const window = new ReplayWindow(128);
    for (let c = 0n; c < 128n; c++) window.accept(c);
    expect(window.accept(10_000n)).toBe(true);
    expect(window.isFresh(9_873n)).toBe(true);
    expect(window.isFresh(9_872n)).toBe(false);
    expect(window.isFresh(127n)).toBe(false);
  });

  it('does not change when isFresh is asked', () => {
    const window = new ReplayWindow();
    expect(window.isFresh(5n)).toBe(true);
    expect(window.highest).toBeUndefined();
    expect(window.accept(5n)).toBe(true);
  });

  it('handles counters at the top of the 64-bit range', () => {
    const window = new ReplayWindow();
    const top = 0xffff_ffff_ffff_ffffn;
    expect(window.accept(top - 1n)).toBe(true);
    expect(window.accept(top)).toBe(true);
    expect(window.accept(top - 1n)).toBe(false);
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => new ReplayWindow(0)).toThrow();
    expect(() => new ReplayWindow(1.5)).toThrow();
  });
});
