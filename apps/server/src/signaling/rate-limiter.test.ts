import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows a burst, refuses beyond it, refills with time and disconnects persistent floods', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    expect(Array.from({ length: 5 }, () => limiter.take())).toEqual(Array(5).fill('ok'));
    expect(limiter.take()).toBe('refuse');
    now += 100; // one token back
    expect(limiter.take()).toBe('ok');
    const outcomes = Array.from({ length: 6 }, () => limiter.take());
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('refuse'));
    expect(outcomes[5]).toBe('disconnect');
  });
});
