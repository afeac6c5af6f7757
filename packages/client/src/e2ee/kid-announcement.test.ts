import { makeKid } from '@skjerm/e2ee';
import { describe, expect, it } from 'vitest';
import { kidsToAnnounce } from './kid-announcement.ts';

describe('kidsToAnnounce', () => {
  it('announces the next, current and previous KIDs once each, newest first, as JSON numbers', () => {
    const next = makeKid(3, 7);
    const current = makeKid(3, 6);
    expect(kidsToAnnounce([next, current, current])).toEqual([3 * 65536 + 7, 3 * 65536 + 6]);
    expect(kidsToAnnounce([current, current, undefined])).toEqual([3 * 65536 + 6]);
    expect(kidsToAnnounce([undefined])).toEqual([]);
  });
});
