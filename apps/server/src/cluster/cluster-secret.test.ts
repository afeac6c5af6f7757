import { describe, expect, it } from 'vitest';
import { newNonce, proofMatches, proveSecret } from './cluster-secret.ts';

describe('proof of the cluster secret', () => {
  const secret = 'a-cluster-secret-of-enough-length-0123';
  const parties = { role: 'signaling', nodeId: 'signaling-1', to: 'media-a' } as const;

  it('is accepted for the nonce, role, node and verifier it was made for, and nothing else', () => {
    const nonce = newNonce();
    const proof = proveSecret(secret, nonce, parties);
    expect(proofMatches(proof, secret, nonce, parties)).toBe(true);
    expect(proofMatches(proof, secret, newNonce(), parties)).toBe(false);
    expect(proofMatches(proof, secret, nonce, { ...parties, role: 'media' })).toBe(false);
    expect(proofMatches(proof, secret, nonce, { ...parties, nodeId: 'signaling-2' })).toBe(false);
    // Not to be passed on: a proof made for media-a is no proof to media-b.
    expect(proofMatches(proof, secret, nonce, { ...parties, to: 'media-b' })).toBe(false);
    expect(proofMatches(proof, `${secret}x`, nonce, parties)).toBe(false);
  });

  it('does not contain the secret', () => {
    const proof = proveSecret(secret, newNonce(), parties);
    expect(proof).not.toContain(secret);
    expect(proof).toMatch(/^[\w-]{43}$/);
  });
});
