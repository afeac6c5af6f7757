/**
 * Why the store refused, as stable codes: callers map them to responses (a booking route
 * answers `invalid-booking` with 400), people read the message. Messages never carry names
 * or identity numbers.
 */
export const storageErrors = {
  'schema-too-new': {
    message: 'the database was written by a newer version of Skjerm: upgrade before opening it',
  },
  'migration-failed': { message: 'a schema migration failed; the database was left as it was' },
  'consultation-not-found': { message: 'no such consultation' },
  'invitee-not-found': { message: 'no such invitee' },
  'invalid-booking': { message: 'the booking is incomplete or inconsistent' },
  'invalid-status-change': { message: 'a consultation cannot go back to an earlier status' },
  'consultation-ended': { message: 'an ended consultation cannot be changed' },
} as const satisfies Record<string, { message: string }>;

export type StorageErrorCode = keyof typeof storageErrors;

export const storageErrorCodes = Object.keys(storageErrors) as StorageErrorCode[];

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  /** `detail` adds context that is safe to log (a field's name, a version), never a value. */
  constructor(code: StorageErrorCode, detail?: string, options?: { cause?: unknown }) {
    const { message } = storageErrors[code];
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}
