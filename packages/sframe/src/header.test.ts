import { beforeAll, describe, expect, it } from 'vitest';
import { SFrameError } from './errors.ts';
import {
  decodeHeader,
  encodedHeaderLength,
  encodeHeader,
  MAX_HEADER_LENGTH,
  MAX_UINT64,
  parseHeader,
} from './header.ts';
import { hex, loadRfc9605Vectors, type Rfc9605Vectors, toHex } from './rfc9605-vectors.fixture.ts';

let vectors: Rfc9605Vectors;
beforeAll(async () => {
  vectors = await loadRfc9605Vectors();
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SFrameError) return error.code;
    throw error;
  }
  return undefined;
}

describe('SFrame header (RFC 9605 §4.3)', () => {
  it('has all 289 header vectors in the conformance file', () => {
    expect(vectors.header).toHaveLength(289);
  });

  it('encodes every vector to exactly the RFC bytes', () => {
    for (const v of vectors.header) {
      expect(toHex(encodeHeader(BigInt(v.kid), BigInt(v.ctr))), `${v.kid}/${v.ctr}`).toBe(v.header);
      expect(encodedHeaderLength(BigInt(v.kid), BigInt(v.ctr))).toBe(v.header.length / 2);
    }
  });

  it('decodes every vector back to its KID, CTR and length, ignoring trailing bytes', () => {
    for (const v of vectors.header) {
      const bytes = hex(`${v.header}deadbeef`);
      expect(decodeHeader(bytes)).toEqual({
        kid: BigInt(v.kid),
        ctr: BigInt(v.ctr),
        length: v.header.length / 2,
      });
    }
  });

  it('reports every proper prefix of a vector header as truncated', () => {
    for (const v of vectors.header) {
      const bytes = hex(v.header);
      for (let n = 0; n < bytes.length; n++) {
        expect(codeOf(() => decodeHeader(bytes.subarray(0, n)))).toBe('truncated');
      }
    }
  });

  it('rejects an extended-form value below 8 as malformed, since the short form is required', () => {
    // X=1, KLEN=1, KID=0x05, CTR=0 short form
    expect(codeOf(() => decodeHeader(hex('8005')))).toBe('malformed-header');
    // Y=1, CLEN=1, CTR=0x07
    expect(codeOf(() => decodeHeader(hex('0807')))).toBe('malformed-header');
  });

  it('rejects an extended value with a leading zero byte as malformed', () => {
    expect(codeOf(() => decodeHeader(hex('900012')))).toBe('malformed-header');
    expect(codeOf(() => decodeHeader(hex('09001234')))).toBe('malformed-header');
  });

  it('reports failures without throwing through parseHeader', () => {
    expect(parseHeader(new Uint8Array(0))).toMatchObject({ ok: false, code: 'truncated' });
    expect(parseHeader(hex('8005'))).toMatchObject({ ok: false, code: 'malformed-header' });
    expect(parseHeader(hex('00'))).toEqual({ ok: true, header: { kid: 0n, ctr: 0n, length: 1 } });
  });

  it('refuses KID or CTR values outside 0 .. 2^64-1', () => {
    expect(codeOf(() => encodeHeader(MAX_UINT64 + 1n, 0n))).toBe('invalid-argument');
    expect(codeOf(() => encodeHeader(0n, -1n))).toBe('invalid-argument');
    expect(encodeHeader(MAX_UINT64, MAX_UINT64)).toHaveLength(MAX_HEADER_LENGTH);
  });

  it('round-trips values at every byte-length boundary', () => {
    const values = [0n, 7n, 8n, 255n, 256n];
    for (let bits = 16n; bits <= 64n; bits += 8n) values.push((1n << bits) - 1n, 1n << (bits - 8n));
    for (const kid of values) {
      for (const ctr of values) {
        const encoded = encodeHeader(kid, ctr);
        expect(decodeHeader(encoded)).toEqual({ kid, ctr, length: encoded.length });
      }
    }
  });
});
