import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config.ts';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

/** README's configuration table, as rows of [variable, default, meaning]. */
function documentedRows(): string[][] {
  const table = readme
    .split('<!-- config-table:start -->')[1]
    ?.split('<!-- config-table:end -->')[0];
  if (!table) throw new Error('README.md has no config-table markers');
  return table
    .trim()
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe("README's configuration table", () => {
  it('lists every variable of the schema with its default and description, and nothing else', () => {
    const expected = Object.entries(configSchema.properties).map(([name, schema]) => {
      const fallback = String(schema.default);
      return [`\`${name}\``, fallback === '' ? '(empty)' : `\`${fallback}\``, schema.description];
    });
    expect(documentedRows()).toEqual(expected);
  });
});
