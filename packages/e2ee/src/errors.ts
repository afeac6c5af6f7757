/**
 * Every failure this package reports is an `E2eeError` with a machine-readable `code`, so the
 * app can branch (drop an envelope, show "this browser cannot encrypt") without parsing
 * messages. Messages name participants and KIDs, never key material.
 */
export const E2EE_ERROR_CODES = [
  // A public identity (participant id, box key, signing key) that is not well formed.
  'invalid-identity',
  // A roster that cannot be acted on: duplicate ids or slots, or the local participant missing
  // or listed with keys other than its own.
  'invalid-roster',
  // An envelope that is not the wire shape: missing field, bad base64url, wrong length.
  'malformed-envelope',
  // An envelope addressed to another participant.
  'wrong-recipient',
  // An envelope whose sender is not in the current roster.
  'unknown-sender',
  // An envelope whose KID names another sender's slot, or a frame whose KID belongs to another
  // participant than the track it arrived on: both would attribute media to the wrong person.
  'sender-mismatch',
  // The envelope's signature does not verify against the sender's roster signing key.
  'bad-signature',
  // A genuine envelope for an epoch not newer than one already accepted from that sender.
  'stale-epoch',
  // The signed box did not open with our key: the sender sealed it to another box key.
  'decryption-failed',
  // A frame under a KID we only guessed (ratchet look-ahead) did not authenticate: after a
  // leave the sender's new key is random and its envelope is still on the way.
  'key-pending',
  // Neither RTCRtpScriptTransform nor createEncodedStreams exists.
  'unsupported-browser',
  // The API was called out of order or with a value outside its domain.
  'invalid-argument',
  // A test-only API called in a bundle built without test hooks (see test-hooks.d.ts).
  'unsupported',
] as const;

export type E2eeErrorCode = (typeof E2EE_ERROR_CODES)[number];

export class E2eeError extends Error {
  readonly code: E2eeErrorCode;

  constructor(code: E2eeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'E2eeError';
    this.code = code;
  }
}

export function isE2eeError(value: unknown, code?: E2eeErrorCode): value is E2eeError {
  return value instanceof E2eeError && (code === undefined || value.code === code);
}
