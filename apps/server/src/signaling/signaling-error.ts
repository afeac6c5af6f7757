import type { ErrorCode } from '@skjerm/protocol';

/** A refused request: the code and message go to the client as they are. */
export class SignalingError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'SignalingError';
    this.code = code;
    this.detail = detail;
  }
}
