import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StorageError, storageErrorCodes } from './storage-errors.ts';

describe('storage errors', () => {
  it('are all documented in docs/audit.md', () => {
    const docs = readFileSync(new URL('../../../../docs/audit.md', import.meta.url), 'utf8');
    for (const code of storageErrorCodes) expect(docs).toContain(`\`${code}\``);
  });

  it('carry their code and add detail to the message', () => {
    const error = new StorageError('invalid-booking', 'title is too long');
    expect(error).toMatchObject({ code: 'invalid-booking', name: 'StorageError' });
    expect(error.message).toBe('the booking is incomplete or inconsistent: title is too long');
  });
});
