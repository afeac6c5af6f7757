import type { VerifiedIdentity } from '../auth/identity.ts';

/**
 * What signaling needs of authentication (TokenVerifier in production): a token in, the
 * person out, or an error with a string `code` property when the token is refused.
 */
export interface Authenticator {
  /** `validAt`: judge expiry at that time instead of now (see hello's resume). */
  verify(token: string, options?: { validAt?: Date }): Promise<VerifiedIdentity>;
}
