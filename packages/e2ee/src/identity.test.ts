import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { LocalIdentity, parsePublicIdentity, parseRosterMember } from './identity.ts';
import { randomBytes, rejectionCode } from './test-helpers.fixture.ts';

const parse = async (value: unknown) => parsePublicIdentity(value);

describe('public identities on the wire', () => {
  it('generates per-session keys whose public part survives JSON and parsing unchanged', async () => {
    const a = await LocalIdentity.generate('ana');
    const b = await LocalIdentity.generate('ana');
    const wire = JSON.parse(JSON.stringify(a.publicIdentity));
    expect(parsePublicIdentity(wire)).toEqual(a.publicIdentity);
    expect(a.publicIdentity.boxPublicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.publicIdentity.signPublicKey).not.toBe(b.publicIdentity.signPublicKey);
    expect(Object.keys(a.publicIdentity).sort()).toEqual([
      'boxPublicKey',
      'participantId',
      'signPublicKey',
    ]);
  });

  it('rejects identities with wrong key lengths, padding, foreign characters or a bad participant id', async () => {
    const { publicIdentity: good } = await LocalIdentity.generate('ana');
    const bad: unknown[] = [
      undefined,
      { ...good, participantId: '' },
      { ...good, participantId: 'x'.repeat(257) },
      { ...good, participantId: 42 },
      { ...good, boxPublicKey: good.boxPublicKey.slice(1) },
      { ...good, boxPublicKey: `${good.boxPublicKey}=` },
      { ...good, signPublicKey: `${good.signPublicKey.slice(0, -1)}+` },
      { ...good, signPublicKey: `${good.signPublicKey.slice(0, -1)}B` }, // non-zero trailing bits
    ];
    for (const value of bad)
      await expect(rejectionCode(parse(value))).resolves.toBe('invalid-identity');
    expect(() => parseRosterMember({ ...good, senderSlot: 1.5 })).toThrow(/senderSlot/);
    expect(parseRosterMember({ ...good, senderSlot: 3, extra: true })).toEqual({
      ...good,
      senderSlot: 3,
    });
  });

  it('encodes base64url without padding and decodes only the canonical form', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text, length, 'invalid-identity', 'field')).toEqual(bytes);
    }
  });
});
