import type { ErrorCode } from '@skjerm/protocol';

/**
 * A refused request, from any layer: the code and message go to the client as they are, and
 * the refusal changed nothing. Anything else thrown in a handler is a bug ('internal').
 */
export class RequestError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.detail = detail;
  }
}
