import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from './limits.ts';
import { isValidNotification, parseRequestFrame } from './wire.ts';

const e2ee = { boxPublicKey: 'a'.repeat(43), signPublicKey: 'b'.repeat(43) };

describe('parseRequestFrame', () => {
  it('accepts a well-formed request and types its params', () => {
    const parsed = parseRequestFrame(
      JSON.stringify({ id: 7, method: 'hello', params: { protocolVersion: 1, token: 'x.y.z' } }),
    );
    expect(parsed).toEqual({
      ok: true,
      request: { id: 7, method: 'hello', params: { protocolVersion: 1, token: 'x.y.z' } },
    });
  });

  it.each([
    ['not JSON', '{', null, 'bad-request'],
    ['a JSON array', '[1,2]', null, 'bad-request'],
    ['a missing id', '{"method":"leave"}', null, 'bad-request'],
    ['a fractional id', '{"id":1.5,"method":"leave"}', null, 'bad-request'],
    ['an extra top-level field', '{"id":3,"method":"leave","x":1}', 3, 'bad-request'],
    ['an unknown method', '{"id":4,"method":"deleteEverything"}', 4, 'unknown-method'],
    ['a prototype key as method', '{"id":5,"method":"__proto__"}', 5, 'unknown-method'],
    [
      'params of the wrong type',
      '{"id":6,"method":"hello","params":{"protocolVersion":"1","token":"t"}}',
      6,
      'bad-request',
    ],
    ['an unexpected param', '{"id":8,"method":"leave","params":{"force":true}}', 8, 'bad-request'],
  ])('rejects %s with %s', (_name, raw, id, code) => {
    const parsed = parseRequestFrame(raw);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.id).toBe(id);
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message.length).toBeGreaterThan(0);
  });

  it('answers absurdly deep params with bad-request instead of throwing', () => {
    const deep = `{"id":1,"method":"relayKeys","params":{"envelopes":[{"to":"a","envelope":{"x":${'['.repeat(20000)}${']'.repeat(20000)}}}]}}`;
    const parsed = parseRequestFrame(deep);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error).toMatchObject({
        code: 'bad-request',
        message: expect.stringMatching(/deeper/),
      });
    const fine = parseRequestFrame(
      JSON.stringify({
        id: 2,
        method: 'relayKeys',
        params: { envelopes: [{ to: 'a', envelope: { a: { b: { c: 1 } } } }] },
      }),
    );
    expect(fine.ok).toBe(true);
  });

  it('rejects frames above the size limit before parsing them', () => {
    const raw = JSON.stringify({
      id: 1,
      method: 'leave',
      params: {},
      pad: 'x'.repeat(MAX_MESSAGE_BYTES),
    });
    const parsed = parseRequestFrame(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('too-large');
  });

  it('names the offending field for schema errors', () => {
    const parsed = parseRequestFrame(
      JSON.stringify({
        id: 2,
        method: 'produce',
        params: {
          transportId: 't1',
          kind: 'video',
          rtpParameters: {},
          sframe: { cipherSuite: 9, kids: [65536] },
        },
      }),
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain('/sframe/cipherSuite');
  });

  it('requires E2EE public keys and SFrame parameters where media is involved', () => {
    const join = (extra: object) =>
      parseRequestFrame(
        JSON.stringify({
          id: 1,
          method: 'join',
          params: { consultationId: 'c1', rtpCapabilities: {}, ...extra },
        }),
      ).ok;
    expect(join({ e2ee })).toBe(true);
    expect(join({})).toBe(false);
    expect(join({ e2ee: { ...e2ee, boxPublicKey: 'not base64url!' } })).toBe(false);
  });

  it('does not echo untrusted method names verbatim', () => {
    const parsed = parseRequestFrame(
      JSON.stringify({ id: 1, method: '<script>alert(1)</script>' }),
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).not.toContain('<script>');
  });
});

describe('isValidNotification', () => {
  it('accepts known notifications with valid data and nothing else', () => {
    expect(
      isValidNotification({ notification: 'mediaReset', data: { reason: 'worker-died' } }),
    ).toBe(true);
    expect(isValidNotification({ notification: 'mediaReset', data: { reason: 'other' } })).toBe(
      false,
    );
    expect(isValidNotification({ notification: 'toString', data: {} })).toBe(false);
  });
});
