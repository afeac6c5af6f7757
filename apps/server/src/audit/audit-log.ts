import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Row } from '../storage/rows.ts';
import { inTransaction } from '../storage/transaction.ts';
import {
  AUDIT_GENESIS,
  canonicalDetail,
  hashAuditEntry,
  type StoredAuditEntry,
  storedEntryFromRow,
} from './audit-entry.ts';

/** Who did something, pseudonymously: never a name or an identity number. */
export interface AuditActor {
  /** pseudonym(issuer, subject). */
  actor: string;
  role: string;
}

export const auditOutcomes = ['success', 'failure', 'refused'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

/** Machine-readable facts (codes, ids); never tokens, keys or personal data. */
export type AuditDetail = Record<string, string | number | boolean>;

export interface AuditEvent {
  type: string;
  consultationId?: string | undefined;
  actor?: AuditActor | undefined;
  outcome?: AuditOutcome | undefined;
  detail?: AuditDetail | undefined;
}

/** One entry of the log, as recorded, exported and verified. */
export interface AuditRecord {
  /** 1, 2, 3…: a gap means an entry was deleted. */
  seq: number;
  /** ISO 8601, UTC. */
  at: string;
  type: string;
  consultationId: string | null;
  actor: string | null;
  role: string | null;
  outcome: AuditOutcome | null;
  detail: AuditDetail | null;
  /** The previous entry's hash (64 zeros for the first). */
  prev: string;
  /** SHA-256 over the other fields (audit-entry.ts). */
  hash: string;
}

export type AuditVerification =
  | { ok: true; records: number }
  | { ok: false; seq: number; problem: string };

/** Which entries `entries` returns; all given conditions must hold. Oldest first. */
export interface AuditFilter {
  consultationId?: string | undefined;
  actor?: string | undefined;
  type?: string | undefined;
  outcome?: AuditOutcome | undefined;
  /** Entries at or after this ISO time. */
  from?: string | undefined;
  /** Entries before this ISO time. */
  to?: string | undefined;
  /** For paging: entries after this seq. */
  afterSeq?: number | undefined;
  /** At most this many (default 1000, at most 10 000). */
  limit?: number | undefined;
}

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

/** A pseudonymous, stable actor id for a token's issuer and subject. */
export function pseudonym(issuer: string, subject: string): string {
  return createHash('sha256').update(`${issuer}\0${subject}`).digest('hex').slice(0, 32);
}

/**
 * The append-only, hash-chained audit log (Normen: who accessed which consultation, when,
 * and with what outcome). Every entry carries its predecessor's hash and its own over all
 * its fields, so verify() finds an altered, reordered or deleted entry even when someone
 * went around the triggers that make the table append-only. `record` is synchronous and
 * commits before it returns: an access must not be granted before its entry is on disk.
 */
export class AuditLog {
  readonly #db: DatabaseSync;
  readonly #statements: ReturnType<typeof prepareStatements>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#statements = prepareStatements(db);
  }

  record(event: AuditEvent): AuditRecord {
    if (typeof event.type !== 'string' || event.type === '') {
      throw new TypeError('an audit event needs a type');
    }
    const detail = event.detail === undefined ? null : canonicalDetail(event.detail);
    return inTransaction(this.#db, () => {
      const newestRow = this.#statements.selectNewest.get();
      const newest = newestRow ? storedEntryFromRow(newestRow) : undefined;
      const entry: StoredAuditEntry = {
        seq: newest ? newest.seq + 1 : 1,
        at: new Date().toISOString(),
        type: event.type,
        consultationId: event.consultationId ?? null,
        actor: event.actor?.actor ?? null,
        role: event.actor?.role ?? null,
        outcome: event.outcome ?? null,
        detail,
        prev: newest ? newest.hash : AUDIT_GENESIS,
      };
      const hash = hashAuditEntry(entry);
      this.#statements.insert.run({ ...entry, hash });
      return recordFromStored({ ...entry, hash });
    });
  }

  /**
   * Walks the whole chain and names the first entry that is wrong: missing (a gap in seq),
   * altered (its hash does not match its content) or not linked to the one before. Entries
   * removed from the end leave no trace here: compare with a head noted elsewhere (head()).
   */
  verify(): AuditVerification {
    let expected = 1;
    let prev = AUDIT_GENESIS;
    for (const row of this.#statements.selectAll.iterate()) {
      let entry: ReturnType<typeof storedEntryFromRow>;
      try {
        entry = storedEntryFromRow(row);
      } catch {
        return { ok: false, seq: expected, problem: 'the entry is malformed' };
      }
      const { hash, ...content } = entry;
      if (entry.seq !== expected) {
        return {
          ok: false,
          seq: expected,
          problem: `the entry is missing (the next one is ${entry.seq})`,
        };
      }
      if (hashAuditEntry(content) !== hash) {
        return { ok: false, seq: entry.seq, problem: 'its content does not match its hash' };
      }
      if (entry.prev !== prev) {
        return {
          ok: false,
          seq: entry.seq,
          problem: `it does not link to entry ${entry.seq - 1} (one of the two was rewritten)`,
        };
      }
      prev = hash;
      expected += 1;
    }
    return { ok: true, records: expected - 1 };
  }

  /** The newest entry's seq and hash: noted outside the server, it anchors the chain's end. */
  head(): { seq: number; hash: string } | undefined {
    const row = this.#statements.selectNewest.get();
    if (!row) return undefined;
    const { seq, hash } = storedEntryFromRow(row);
    return { seq, hash };
  }

  /** One entry by its seq. */
  entry(seq: number): AuditRecord | undefined {
    const row = this.#statements.selectBySeq.get(seq);
    return row ? recordFromRow(row) : undefined;
  }

  /** Every entry about one consultation, oldest first: what goes into the patient record. */
  export(consultationId: string): AuditRecord[] {
    return this.#statements.selectByConsultation.all(consultationId).map(recordFromRow);
  }

  /** Entries matching `filter`, oldest first, for the audit API. */
  entries(filter: AuditFilter = {}): AuditRecord[] {
    const conditions: string[] = [];
    const parameters: Record<string, string | number> = {};
    const where = (condition: string, name: string, value: string | number | undefined) => {
      if (value === undefined) return;
      conditions.push(condition);
      parameters[name] = value;
    };
    where('consultation_id = :consultationId', 'consultationId', filter.consultationId);
    where('actor = :actor', 'actor', filter.actor);
    where('type = :type', 'type', filter.type);
    where('outcome = :outcome', 'outcome', filter.outcome);
    where('at >= :from', 'from', filter.from);
    where('at < :to', 'to', filter.to);
    where('seq > :afterSeq', 'afterSeq', filter.afterSeq);
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIMIT), 0), MAX_LIMIT);
    const sql = `SELECT * FROM audit_log
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY seq LIMIT ${limit}`;
    return this.#db.prepare(sql).all(parameters).map(recordFromRow);
  }
}

function prepareStatements(db: DatabaseSync) {
  return {
    insert: db.prepare(
      `INSERT INTO audit_log
         (seq, at, type, consultation_id, actor, role, outcome, detail, prev, hash)
       VALUES (:seq, :at, :type, :consultationId, :actor, :role, :outcome, :detail, :prev, :hash)`,
    ),
    selectNewest: db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1'),
    selectAll: db.prepare('SELECT * FROM audit_log ORDER BY seq'),
    selectBySeq: db.prepare('SELECT * FROM audit_log WHERE seq = ?'),
    selectByConsultation: db.prepare(
      'SELECT * FROM audit_log WHERE consultation_id = ? ORDER BY seq',
    ),
  };
}

function recordFromRow(row: Row): AuditRecord {
  return recordFromStored(storedEntryFromRow(row));
}

function recordFromStored(entry: StoredAuditEntry & { hash: string }): AuditRecord {
  const outcome = entry.outcome;
  if (outcome !== null && !(auditOutcomes as readonly string[]).includes(outcome)) {
    throw new TypeError(`audit entry ${entry.seq} has an unknown outcome`);
  }
  let detail: AuditDetail | null = null;
  if (entry.detail !== null) {
    try {
      detail = JSON.parse(entry.detail) as AuditDetail;
    } catch (error) {
      throw new TypeError(`audit entry ${entry.seq}'s detail is not JSON`, { cause: error });
    }
  }
  return { ...entry, outcome: outcome as AuditOutcome | null, detail };
}
