import type { Role } from '@skjerm/protocol';

/** A person as the identity provider vouched for them (see auth/token-verifier.ts). */
export interface AuthenticatedIdentity {
  issuer: string;
  subject: string;
  name: string;
  role: Role;
  nationalId?: string | undefined;
  assurance?: string | undefined;
  expiresAt: number;
}

/** Verifies a token; throws an error with a string `code` property when it is refused. */
export interface Authenticator {
  verify(token: string): Promise<AuthenticatedIdentity>;
}
