import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Compares two secrets in time independent of where they differ (and of their lengths). */
function secretsEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/** A fresh challenge for the other end of an RPC connection. */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** Who proves what to whom: `nodeId` proves to `to`, as a `role` node. */
export interface ProofParties {
  role: 'signaling' | 'media';
  nodeId: string;
  to: string;
}

/**
 * Proof of the cluster secret for one connection: an HMAC over the other end's nonce, which
 * end is proving, who it says it is and whom it proves it to. The secret itself never
 * crosses the network, and a proof seen on the wire is good for that one connection to that
 * one node only (it cannot be passed on to another).
 */
export function proveSecret(secret: string, nonce: string, parties: ProofParties): string {
  const { role, nodeId, to } = parties;
  return createHmac('sha256', secret)
    .update(`skjerm-media-rpc\0${role}\0${nonce}\0${nodeId}\0${to}`)
    .digest('base64url');
}

export function proofMatches(
  proof: string,
  secret: string,
  nonce: string,
  parties: ProofParties,
): boolean {
  return secretsEqual(proof, proveSecret(secret, nonce, parties));
}
