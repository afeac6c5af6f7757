import { describe, expect, it } from 'vitest';
import { newNonce, proofMatches, proveSecret } from './cluster-secret.ts';

describe('proof of the cluster secret', () => {
  const secret = 'a-cluster-secret-of-enough-length-0123';

  it('is accepted for the nonce, role and node it was made for, and nothing else', () => {
    const nonce = newNonce();
    const proof = proveSecret(secret, 'signaling', nonce, 'signaling-1');
    expect(proofMatches(proof, secret, 'signaling', nonce, 'signaling-1')).toBe(true);
    expect(proofMatches(proof, secret, 'signaling', newNonce(), 'signaling-1')).toBe(false);
    expect(proofMatches(proof, secret, 'media', nonce, 'signaling-1')).toBe(false);
    expect(proofMatches(proof, secret, 'signaling', nonce, 'signaling-2')).toBe(false);
    expect(proofMatches(proof, `${secret}x`, 'signaling', nonce, 'signaling-1')).toBe(false);
  });

  it('does not contain the secret', () => {
    const proof = proveSecret(secret, 'media', newNonce(), 'media-a');
    expect(proof).not.toContain(secret);
    expect(proof).toMatch(/^[\w-]{43}$/);
  });
});
