import type { ErrorCode } from '@skjerm/protocol';

/** A media request that cannot be served; carries the protocol code the client gets. */
export class MediaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
  }
}
