import { createHash } from 'node:crypto';
import { integer, optionalText, type Row, text } from '../storage/rows.ts';

/** The `prev` of the first entry: there is no entry before it. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** Names the serialization below; a change to it must change this label. */
const HASH_FORMAT = 'skjerm-audit/1';

/** An entry exactly as stored: the hash covers these values, not a re-encoding of them. */
export interface StoredAuditEntry {
  seq: number;
  at: string;
  type: string;
  consultationId: string | null;
  actor: string | null;
  role: string | null;
  outcome: string | null;
  /** Canonical JSON (keys sorted), or null. */
  detail: string | null;
  prev: string;
}

/**
 * SHA-256 (hex) over a JSON array of the format label and every field in a fixed order. An
 * array of JSON scalars has exactly one encoding here, so no two different entries share a
 * serialization (a field cannot leak into its neighbour, as with plain concatenation).
 */
export function hashAuditEntry(entry: StoredAuditEntry): string {
  const canonical = JSON.stringify([
    HASH_FORMAT,
    entry.seq,
    entry.at,
    entry.type,
    entry.consultationId,
    entry.actor,
    entry.role,
    entry.outcome,
    entry.detail,
    entry.prev,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Detail as canonical JSON: keys sorted, values checked to be JSON scalars. */
export function canonicalDetail(detail: Record<string, string | number | boolean>): string {
  const entries = Object.entries(detail).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of entries) {
    const scalar =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!scalar)
      throw new TypeError(`audit detail ${key} must be a string, finite number or boolean`);
  }
  return JSON.stringify(Object.fromEntries(entries));
}

export function storedEntryFromRow(row: Row): StoredAuditEntry & { hash: string } {
  return {
    seq: integer(row, 'seq'),
    at: text(row, 'at'),
    type: text(row, 'type'),
    consultationId: optionalText(row, 'consultation_id') ?? null,
    actor: optionalText(row, 'actor') ?? null,
    role: optionalText(row, 'role') ?? null,
    outcome: optionalText(row, 'outcome') ?? null,
    detail: optionalText(row, 'detail') ?? null,
    prev: text(row, 'prev'),
    hash: text(row, 'hash'),
  };
}
