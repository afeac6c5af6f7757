import { ROLES, type Role } from '@skjerm/protocol';

/**
 * The roles a person can have in a consultation (defined once, in the protocol). The identity
 * provider asserts the role (a claim, or the configured default); what each role may do is
 * decided by the consultation.
 */
export const roles = ROLES;
export type { Role };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** Who a verified token says the caller is. Never log it whole: it may hold an identity number. */
export interface VerifiedIdentity {
  /** The token's `iss`; with `subject` it identifies the person. */
  issuer: string;
  /** The token's `sub` (pairwise for some providers: stable per issuer only). */
  subject: string;
  /** Display name; empty when the provider releases none (ID-porten does not). */
  name: string;
  role: Role;
  /** Fødselsnummer, D-nummer or personnummer, checked for shape; absent when not released. */
  nationalId?: string;
  /** The authentication's assurance (the configured claim, usually `acr`). */
  assurance?: string;
  /** When the token expires, in milliseconds since the epoch. */
  expiresAt: number;
}
