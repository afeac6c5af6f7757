import type { ProtocolErrorBody } from '@skjerm/protocol';

/**
 * Every failure the SDK reports is a SkjermClientError with one of these codes; apps branch on
 * the code, never on the message. docs/client.md lists each (a test keeps the two in step).
 */
export const CLIENT_ERROR_CODES = [
  // Neither RTCRtpScriptTransform nor RTCRtpSender.prototype.createEncodedStreams exists:
  // Skjerm never sends media unencrypted, so it does not join at all.
  'unsupported-browser',
  // The signaling WebSocket could not be opened.
  'connection-failed',
  // The signaling connection closed (by the server, the network or close()) while in use.
  'connection-closed',
  // The server answered a request with an error; `serverError` carries its code and message.
  'request-failed',
  // The server did not answer a request in time.
  'request-timeout',
  // The server sent something that does not match the protocol schema; it was not acted on.
  'invalid-message',
  // The method cannot be called in the client's current state (e.g. publish before join).
  'invalid-state',
  // A host declined to admit this participant from the waiting room.
  'admission-denied',
  // A host took this participant out of the consultation.
  'removed',
  // A host ended the consultation.
  'consultation-ended',
  // Key distribution failed: a roster or key envelope could not be used (see `cause`).
  'e2ee-failed',
  // Creating transports, producing or consuming failed in the browser (see `cause`).
  'media-failed',
  // A test-only method (samplePlaintextFrames) in a bundle built without test hooks.
  'unsupported',
] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export class SkjermClientError extends Error {
  readonly code: ClientErrorCode;
  /** For 'request-failed': the server's error, with its protocol error code. */
  readonly serverError: ProtocolErrorBody | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    options: ErrorOptions & { serverError?: ProtocolErrorBody } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkjermClientError';
    this.code = code;
    this.serverError = options.serverError;
  }
}

export function isSkjermClientError(
  value: unknown,
  code?: ClientErrorCode,
): value is SkjermClientError {
  return value instanceof SkjermClientError && (code === undefined || value.code === code);
}

/** `error` as it is when it already is one of ours, else wrapped with `code` (and kept as cause). */
export function toClientError(
  error: unknown,
  code: ClientErrorCode,
  context?: string,
): SkjermClientError {
  if (error instanceof SkjermClientError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SkjermClientError(code, context === undefined ? message : `${context}: ${message}`, {
    cause: error,
  });
}
