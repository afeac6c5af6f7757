import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODES } from './errors.ts';

describe('client error codes', () => {
  it('are each documented in docs/client.md', () => {
    const docs = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');
    const undocumented = CLIENT_ERROR_CODES.filter((code) => !docs.includes(`\`${code}\``));
    expect(undocumented).toEqual([]);
  });
});
