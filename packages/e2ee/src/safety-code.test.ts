import { describe, expect, it } from 'vitest';
import { LocalIdentity } from './identity.ts';
import { computeSafetyCode } from './safety-code.ts';

describe('safety code', () => {
  it('is six groups of five digits, independent of list order, and changes with any key or member', async () => {
    const [ana, bo, cai] = await Promise.all(
      ['ana', 'bo', 'cai'].map((id) => LocalIdentity.generate(id)),
    );
    const members = [ana, bo, cai].map((i) => (i as LocalIdentity).publicIdentity);
    const code = await computeSafetyCode(members);
    expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5} \d{5} \d{5}$/);
    expect(await computeSafetyCode([...members].reverse())).toBe(code);
    expect(await computeSafetyCode(members.slice(0, 2))).not.toBe(code);
    const swapped = {
      ...members[1],
      boxPublicKey: (await LocalIdentity.generate('bo')).publicIdentity.boxPublicKey,
    };
    expect(await computeSafetyCode([members[0], swapped, members[2]] as typeof members)).not.toBe(
      code,
    );
  });
});
