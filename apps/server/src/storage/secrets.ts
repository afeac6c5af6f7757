import { createHash, randomBytes } from 'node:crypto';

/**
 * A consultation's or invitee's id: 128 random bits, base64url (22 characters). A consultation
 * id appears in URLs and audit entries, so it must not be guessable or reveal when or by whom
 * the consultation was booked.
 */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** An invite's secret: 256 random bits, base64url (43 characters). Handed out once. */
export function newInviteSecret(): string {
  return randomBytes(32).toString('base64url');
}

const inviteSecretPattern = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedInviteSecret(value: string): boolean {
  return inviteSecretPattern.test(value);
}

/**
 * What is stored instead of the secret: its SHA-256 in hex. A stolen database does not yield
 * usable invites, and looking an invite up by this hash leaks no timing about the secret
 * (an index lookup compares hashes, whose prefixes the caller cannot steer).
 */
export function hashInviteSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
