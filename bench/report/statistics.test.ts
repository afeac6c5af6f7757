import { describe, expect, it } from 'vitest';
import { distribution, linearFit, median, percentile, ratio } from './statistics.ts';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([5], 99)).toBe(5);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(distribution([]).count).toBe(0);
  });

  it('sorts unsorted samples numerically', () => {
    expect(distribution([10, 9, 100, 2])).toEqual({ count: 4, p50: 9, p99: 100, max: 100 });
  });
});

describe('median', () => {
  it('averages the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe('linearFit', () => {
  it('finds the slope of memory against consumers', () => {
    const fit = linearFit([
      { x: 100, y: 1_000 + 100 * 50 },
      { x: 200, y: 1_000 + 200 * 50 },
      { x: 400, y: 1_000 + 400 * 50 },
    ]);
    expect(fit?.slope).toBeCloseTo(50);
    expect(fit?.intercept).toBeCloseTo(1_000);
  });

  it('needs two distinct x', () => {
    expect(linearFit([{ x: 1, y: 1 }])).toBeUndefined();
    expect(
      linearFit([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toBeUndefined();
  });
});

describe('ratio', () => {
  it('is NaN when the baseline is zero', () => {
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
  });
});
