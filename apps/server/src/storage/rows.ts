import type { SQLOutputValue } from 'node:sqlite';

/** A row as node:sqlite returns it: column name → value. */
export type Row = Record<string, SQLOutputValue>;

// The schema's CHECK and NOT NULL constraints guarantee the types; these turn a broken
// guarantee (a hand-edited file) into an error naming the column, not a wrong value.

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`column ${column} is not text`);
  return value;
}

export function optionalText(row: Row, column: string): string | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw new TypeError(`column ${column} is not text`);
  return value;
}

export function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`column ${column} is not an integer`);
  }
  return value;
}

/** One of `allowed`, as its literal type. */
export function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = text(row, column);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`column ${column} holds an unknown value`);
  }
  return value as T;
}
