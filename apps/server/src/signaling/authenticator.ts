import type { VerifiedIdentity } from '../auth/identity.ts';

/**
 * What signaling needs of authentication (TokenVerifier in production): a token in, the
 * person out, or an error with a string `code` property when the token is refused.
 */
export interface Authenticator {
  verify(token: string): Promise<VerifiedIdentity>;
}
