import { describe, expect, it } from 'vitest';
import { isNewerEpoch, makeKid, nextEpoch, parseKid } from './kid.ts';

describe('KID layout', () => {
  it('puts the sender slot in the high 16 bits and the epoch in the low 16 bits', () => {
    expect(makeKid(0, 5)).toBe(5n);
    expect(makeKid(3, 1)).toBe(0x3_0001n);
    expect(makeKid(0xffff, 0xffff)).toBe(0xffff_ffffn);
    expect(parseKid(0x3_0001n)).toEqual({ senderSlot: 3, epoch: 1 });
    expect(() => makeKid(0x1_0000, 0)).toThrow();
    expect(() => makeKid(1, 0x1_0000)).toThrow();
    expect(() => parseKid(0x1_0000_0000n)).toThrow();
  });

  it('orders epochs by serial-number arithmetic across the 2^16 wrap', () => {
    expect(nextEpoch(0xffff)).toBe(0);
    expect(isNewerEpoch(0, 0xffff)).toBe(true);
    expect(isNewerEpoch(0xffff, 0)).toBe(false);
    expect(isNewerEpoch(7, 7)).toBe(false);
    expect(isNewerEpoch(8, 7)).toBe(true);
  });
});
