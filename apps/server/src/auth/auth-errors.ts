/**
 * Why a token was refused, as stable codes: clients and tests match on the code, people read
 * the message. Messages never carry the token, its claims' values or an identity number.
 */
export const authErrors = {
  'token-missing': { status: 401, message: 'no access token was presented' },
  'token-malformed': { status: 401, message: 'the token is not a well-formed signed JWT' },
  'token-expired': { status: 401, message: 'the token has expired: sign in again' },
  'token-not-yet-valid': {
    status: 401,
    message: 'the token is not valid yet (check the clocks of this server and the IdP)',
  },
  'token-issuer': {
    status: 401,
    message: 'the token was issued by an identity provider this server does not trust',
  },
  'token-audience': { status: 401, message: 'the token was not issued for this service' },
  'token-signature': {
    status: 401,
    message: "the token's signature does not match any of the identity provider's keys",
  },
  'token-algorithm': {
    status: 401,
    message: 'the token is signed with an algorithm this server does not accept',
  },
  'token-claims': {
    status: 401,
    message: 'the token lacks a required claim or has a malformed one',
  },
  'assurance-too-low': {
    status: 403,
    message: 'patients must sign in with a higher level of assurance, such as BankID',
  },
  'idp-unavailable': {
    status: 503,
    message: "the identity provider's keys could not be fetched: try again shortly",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type AuthErrorCode = keyof typeof authErrors;

export const authErrorCodes = Object.keys(authErrors) as AuthErrorCode[];

/** A refused token. `statusCode` is what fastify's error handler answers with. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly statusCode: number;

  /** `detail` adds context that is safe to show (a claim's name, never its value). */
  constructor(code: AuthErrorCode, detail?: string, options?: { cause?: unknown }) {
    const { status, message } = authErrors[code];
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'AuthError';
    this.code = code;
    this.statusCode = status;
  }

  /** The `{ code, message }` a client is sent. */
  toJSON(): { code: AuthErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
