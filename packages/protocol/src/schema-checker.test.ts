import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { notifications, requests } from './messages.ts';
import { interpretedChecker } from './schema-checker.ts';

describe('interpretedChecker (for pages whose CSP forbids eval)', () => {
  const join = requests.join.params;
  const samples: unknown[] = [
    {},
    { consultationId: 'c1', e2ee: { boxPublicKey: 'x', signPublicKey: 'y' }, rtpCapabilities: {} },
    { consultationId: 'c1', unknown: true },
    null,
    'join',
    {
      invite: 'a'.repeat(43),
      e2ee: { boxPublicKey: 'A'.repeat(43), signPublicKey: 'B'.repeat(43) },
      rtpCapabilities: {},
    },
  ];

  it('agrees with the compiled checker on valid and invalid values', () => {
    const compiled = TypeCompiler.Compile(join);
    const interpreted = interpretedChecker(join);
    for (const sample of samples) {
      expect(interpreted.Check(sample)).toBe(compiled.Check(sample));
    }
  });

  it('names the first error, as the compiled checker does', () => {
    const interpreted = interpretedChecker(notifications.mutedByHost);
    expect(interpreted.Check({ kind: 'audio' })).toBe(true);
    expect(interpreted.Errors({ kind: 'smell' }).First()?.path).toBe('/kind');
  });
});
