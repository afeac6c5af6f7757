import {
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { AuthConfig } from './auth-config.ts';
import { AuthError, type AuthErrorCode } from './auth-errors.ts';
import { isRole, type Role, type VerifiedIdentity } from './identity.ts';
import { isWellFormedNationalId } from './national-id.ts';

/** Where a token's issuer and signing keys come from (remote discovery or the embedded IdP). */
export interface KeySource {
  /** The issuer a token must name; read at every verification, so it may be resolved late. */
  readonly issuer: string;
  readonly keySet: JWTVerifyGetKey;
}

/** Leeway for exp and nbf: the IdP's clock and ours may disagree by this much. */
export const clockToleranceSeconds = 30;

/**
 * Turns a bearer token into a VerifiedIdentity, or refuses it with an AuthError whose code says
 * why. Checks, in order: an accepted asymmetric algorithm, the signature against the issuer's
 * keys, iss, aud, exp and nbf, then the mapped claims and the patient assurance rule.
 */
export class TokenVerifier {
  readonly #config: AuthConfig;
  readonly #source: KeySource;

  constructor(config: AuthConfig, source: KeySource) {
    this.#config = config;
    this.#source = source;
  }

  /**
   * `validAt` judges exp and nbf at another time than now. Only for resuming a session: a
   * token good when the session began may carry it on after a dropped connection.
   */
  async verify(token: string, options: { validAt?: Date } = {}): Promise<VerifiedIdentity> {
    if (!token) throw new AuthError('token-missing');
    this.#checkAlgorithm(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#source.keySet, {
        issuer: this.#source.issuer,
        audience: this.#config.audience,
        algorithms: this.#config.algorithms,
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        ...(options.validAt ? { currentDate: options.validAt } : {}),
      }));
    } catch (error) {
      // An error that is not about the token (a bug) surfaces as it is.
      throw toAuthError(error) ?? error;
    }
    return this.#identityFrom(payload);
  }

  /**
   * Refuses 'none' and HMAC before any key is looked up. jose's allow-list would too; this
   * keeps the rule visible here and independent of what a key set returns.
   */
  #checkAlgorithm(token: string): void {
    let alg: unknown;
    try {
      ({ alg } = decodeProtectedHeader(token));
    } catch {
      throw new AuthError('token-malformed');
    }
    if (typeof alg !== 'string' || token.split('.').length !== 3) {
      throw new AuthError('token-malformed');
    }
    if (!(this.#config.algorithms as readonly string[]).includes(alg)) {
      throw new AuthError('token-algorithm');
    }
  }

  #identityFrom(payload: JWTPayload): VerifiedIdentity {
    const { claims, defaultRole, patientAssuranceLevels } = this.#config;
    const subject = payload.sub;
    const issuer = payload.iss;
    const expiresIn = payload.exp;
    if (!subject || typeof issuer !== 'string' || typeof expiresIn !== 'number') {
      throw new AuthError('token-claims', 'sub, iss and exp are required');
    }
    const name = stringClaim(payload, claims.name) ?? '';
    const role = roleClaim(payload, claims.role) ?? defaultRole;
    const nationalId = stringClaim(payload, claims.nationalId);
    if (nationalId !== undefined && !isWellFormedNationalId(nationalId)) {
      throw new AuthError(
        'token-claims',
        `${claims.nationalId} is not a well-formed identity number`,
      );
    }
    const assurance = stringClaim(payload, claims.assurance);
    if (role === 'patient' && !(assurance && patientAssuranceLevels.includes(assurance))) {
      throw new AuthError('assurance-too-low');
    }
    return {
      issuer,
      subject,
      name,
      role,
      ...(nationalId === undefined ? {} : { nationalId }),
      ...(assurance === undefined ? {} : { assurance }),
      expiresAt: expiresIn * 1000,
    };
  }
}

function stringClaim(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AuthError('token-claims', `${claim} must be a string`);
  return value;
}

function roleClaim(payload: JWTPayload, claim: string): Role | undefined {
  const value = stringClaim(payload, claim);
  if (value === undefined) return undefined;
  if (!isRole(value)) throw new AuthError('token-claims', `${claim} names no known role`);
  return value;
}

/** jose's claim names, for JWTClaimValidationFailed, mapped to the code that explains them. */
const claimFailureCodes: Partial<Record<string, AuthErrorCode>> = {
  nbf: 'token-not-yet-valid',
  iss: 'token-issuer',
  aud: 'token-audience',
};

/**
 * Maps jose's errors to codes. The jose error is not kept as the cause: a claim validation
 * error carries the whole payload (identity number included), and causes reach logs.
 */
function toAuthError(error: unknown): AuthError | undefined {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('token-expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const code = claimFailureCodes[error.claim] ?? 'token-claims';
    return new AuthError(
      code,
      code === 'token-claims' ? `${error.claim} ${error.reason}` : undefined,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthError('token-algorithm');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new AuthError('token-signature');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new AuthError('idp-unavailable', undefined, { cause: error });
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSEError
  ) {
    return new AuthError('token-malformed');
  }
  return undefined;
}
