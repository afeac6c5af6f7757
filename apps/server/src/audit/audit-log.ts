import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Who did something, pseudonymously: never a name or an identity number. */
export interface AuditActor {
  /** sha256(issuer + subject), first 32 hex digits. */
  actor: string;
  role: string;
}

export interface AuditEvent {
  type: string;
  consultationId?: string | undefined;
  actor?: AuditActor | undefined;
  /** Machine-readable facts (codes, ids); never tokens, keys or personal data. */
  detail?: Record<string, string | number | boolean> | undefined;
}

export interface AuditRecord extends AuditEvent {
  seq: number;
  at: string;
  /** Hash of the previous record's line: editing or deleting a line breaks the chain. */
  prev: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

/** A pseudonymous, stable actor id for a token's issuer and subject. */
export function pseudonym(issuer: string, subject: string): string {
  return createHash('sha256').update(`${issuer}\0${subject}`).digest('hex').slice(0, 32);
}

/**
 * Append-only, hash-chained audit log in a JSON-lines file. Each record carries the hash of
 * its predecessor, so verify() finds any edited, reordered or removed line. Writes are
 * synchronous: an access must not be granted before its record is on disk.
 */
export class AuditLog {
  readonly #file: string;
  #seq = 0;
  #prev = GENESIS;

  constructor(file: string) {
    this.#file = file;
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      const result = verifyAuditFile(file);
      if (!result.ok) throw new Error(`audit log ${file} is damaged: ${result.problem}`);
      this.#seq = result.records;
      this.#prev = result.lastHash;
    }
  }

  record(event: AuditEvent): AuditRecord {
    const body = {
      seq: this.#seq + 1,
      at: new Date().toISOString(),
      ...event,
      prev: this.#prev,
    };
    const hash = hashRecord(body);
    const record: AuditRecord = { ...body, hash };
    appendFileSync(this.#file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    this.#seq = record.seq;
    this.#prev = hash;
    return record;
  }
}

function hashRecord(body: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function readAuditFile(file: string): AuditRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AuditRecord);
}

export function verifyAuditFile(
  file: string,
): { ok: true; records: number; lastHash: string } | { ok: false; problem: string } {
  let prev = GENESIS;
  let seq = 0;
  let records: AuditRecord[];
  try {
    records = readAuditFile(file);
  } catch {
    return { ok: false, problem: 'a line is not JSON' };
  }
  for (const record of records) {
    const { hash, ...body } = record;
    if (record.seq !== seq + 1) return { ok: false, problem: `record ${seq + 1} is missing` };
    if (record.prev !== prev || hashRecord(body) !== hash) {
      return { ok: false, problem: `record ${record.seq} was altered` };
    }
    prev = hash;
    seq = record.seq;
  }
  return { ok: true, records: seq, lastHash: prev };
}
