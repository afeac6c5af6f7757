import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows a burst, refuses beyond it and refills with time', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    expect(Array.from({ length: 5 }, () => limiter.take())).toEqual(Array(5).fill('ok'));
    expect(limiter.take()).toBe('refuse');
    now += 100; // one token back
    expect(limiter.take()).toBe('ok');
  });

  it('disconnects a client with more refusals than the burst within 10 s, even between successes', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    for (let i = 0; i < 5; i++) limiter.take();
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(limiter.take()); // refused: the bucket is empty
      now += 100; // one token trickles back
      outcomes.push(limiter.take());
    }
    expect(outcomes.slice(0, 10)).toEqual(Array(5).fill(['refuse', 'ok']).flat());
    expect(outcomes[10]).toBe('disconnect');
  });

  it('forgets refusals older than the window', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 2, () => now);
    limiter.take();
    limiter.take();
    expect([limiter.take(), limiter.take()]).toEqual(['refuse', 'refuse']);
    now += 11_000;
    for (let i = 0; i < 2; i++) expect(limiter.take()).toBe('ok');
    expect([limiter.take(), limiter.take()]).toEqual(['refuse', 'refuse']);
  });
});
