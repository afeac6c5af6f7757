/**
 * Every failure this package reports is an `SFrameError` with a machine-readable `code`, so
 * callers (the browser transform, the server) can branch on the kind of failure without
 * parsing messages. Messages describe the failure; they never contain key material.
 */
export const SFRAME_ERROR_CODES = [
  'unknown-kid',
  'malformed-header',
  'truncated',
  'authentication-failed',
  'replay',
  'unsupported-cipher-suite',
  'counter-exhausted',
  // A media frame that cannot be laid out for its codec (e.g. a VP8 frame shorter than the
  // VP8 payload header that must stay in the clear).
  'malformed-frame',
  // A codec other than those offered with end-to-end encryption (see frame-layout.ts).
  'unsupported-codec',
  // A caller passed a value outside its domain (a KID above 2^64-1, a base key of zero bytes).
  'invalid-argument',
] as const;

export type SFrameErrorCode = (typeof SFRAME_ERROR_CODES)[number];

export class SFrameError extends Error {
  readonly code: SFrameErrorCode;

  constructor(code: SFrameErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SFrameError';
    this.code = code;
  }
}

export function isSFrameError(value: unknown, code?: SFrameErrorCode): value is SFrameError {
  return value instanceof SFrameError && (code === undefined || value.code === code);
}
