import { describe, expect, it } from 'vitest';
import { parseNationalId } from '../../apps/server/src/auth/national-id.ts';
import { syntheticNationalId } from './synthetic-people.ts';

describe('syntheticNationalId', () => {
  it('makes distinct numbers the server accepts as synthetic test identities', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => syntheticNationalId(i));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(parseNationalId(id)).toBe('no-synthetic');
  });
});
