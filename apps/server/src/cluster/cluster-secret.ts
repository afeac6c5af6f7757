import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/** A fresh challenge for the other end of an RPC connection. */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Proof of the cluster secret for one connection: an HMAC over the other end's nonce, which
 * end is proving, and who it says it is. The secret itself never crosses the network, and a
 * proof seen on the wire is good for that one connection only.
 */
export function proveSecret(
  secret: string,
  prover: 'signaling' | 'media',
  nonce: string,
  nodeId: string,
): string {
  return createHmac('sha256', secret)
    .update(`skjerm-media-rpc\0${prover}\0${nonce}\0${nodeId}`)
    .digest('base64url');
}

export function proofMatches(
  proof: string,
  secret: string,
  prover: 'signaling' | 'media',
  nonce: string,
  nodeId: string,
): boolean {
  return secretsEqual(proof, proveSecret(secret, prover, nonce, nodeId));
}
