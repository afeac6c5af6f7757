/**
 * Every error code a server may answer with. Clients branch on the code, never on the
 * message (which is for people and may change). Codes are never reused for another meaning.
 */
export const ERROR_CODES = [
  /** The frame is not JSON, not an object, or does not match the message's schema. */
  'bad-request',
  /** The method is not part of this protocol version. */
  'unknown-method',
  /** The message is valid but not allowed in the session's current state (e.g. before hello). */
  'out-of-order',
  /** The frame exceeds the size limit. */
  'too-large',
  /** Too many messages; slow down (repeated offenders are disconnected). */
  'rate-limited',
  /** The client speaks a protocol version the server does not. */
  'unsupported-version',
  /** The token was refused; `detail` carries the verifier's code (expired, issuer, ...). */
  'unauthenticated',
  /** Authenticated, but this person may not do this. */
  'forbidden',
  /** The referenced consultation, transport, producer or consumer does not exist (for you). */
  'not-found',
  /** A codec other than Opus or VP8, or media without end-to-end encryption parameters. */
  'unsupported-media',
  /** The producer's frames were not well-formed SFrame with its announced KIDs. */
  'not-e2ee',
  /** Group mode: the patient must first confirm joining with the others (join.confirmGroup). */
  'confirmation-required',
  /** The consultation has ended; nobody can join it again. */
  'consultation-ended',
  /** The media node cannot serve the request right now (e.g. a worker is restarting). */
  'unavailable',
  /** A bug on the server; the request changed nothing. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ProtocolErrorBody {
  code: ErrorCode;
  message: string;
  /** A finer machine-readable reason, e.g. the token verifier's code. */
  detail?: string;
}
