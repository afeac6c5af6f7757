import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkjermDatabase } from '../storage/database.ts';
import { tempDatabaseFile } from '../storage/test-database.ts';
import { AUDIT_GENESIS, hashAuditEntry } from './audit-entry.ts';
import { pseudonym } from './audit-log.ts';
import { tamperWithAuditLog } from './test-tampering.ts';

describe('AuditLog', () => {
  let file: string;
  let database: SkjermDatabase;

  beforeEach(() => {
    file = tempDatabaseFile();
    database = SkjermDatabase.open(file);
  });

  afterEach(() => database.close());

  function recordThree(): void {
    const actor = { actor: pseudonym('https://idporten.test', 'patient-1'), role: 'patient' };
    database.audit.record({ type: 'authenticated', actor, outcome: 'success' });
    database.audit.record({
      type: 'invite-opened',
      consultationId: 'c1',
      actor,
      outcome: 'success',
      detail: { inviteeId: 'i1' },
    });
    database.audit.record({ type: 'admitted', consultationId: 'c1', outcome: 'success' });
  }

  it('chains entries: each carries the hash of the one before and a hash of itself', () => {
    const first = database.audit.record({ type: 'authentication-refused', outcome: 'refused' });
    const second = database.audit.record({
      type: 'producer-rejected',
      consultationId: 'c1',
      detail: { reason: 'unexpected-kid', participantId: 'p1' },
    });
    expect(first).toMatchObject({ seq: 1, prev: AUDIT_GENESIS, consultationId: null });
    expect(second).toMatchObject({ seq: 2, prev: first.hash, outcome: null });
    expect(second.detail).toEqual({ participantId: 'p1', reason: 'unexpected-kid' });
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(database.audit.verify()).toEqual({ ok: true, records: 2 });
  });

  it('commits an entry before record() returns', () => {
    database.audit.record({ type: 'authenticated' });
    const other = new DatabaseSync(file, { readOnly: true });
    expect(other.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 1 });
    other.close();
  });

  it('continues the chain after a restart', () => {
    recordThree();
    database.close();
    database = SkjermDatabase.open(file);
    expect(database.audit.verify()).toEqual({ ok: true, records: 3 });
    const fourth = database.audit.record({ type: 'left', consultationId: 'c1' });
    expect(fourth.seq).toBe(4);
    expect(fourth.prev).toBe(database.audit.entry(3)?.hash);
    expect(database.audit.verify()).toEqual({ ok: true, records: 4 });
  });

  it('hashes detail the same whatever the order of its keys', () => {
    const a = database.audit.record({ type: 't', detail: { a: 1, b: true } });
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('SELECT detail FROM audit_log WHERE seq = 1').get()).toEqual({
      detail: '{"a":1,"b":true}',
    });
    raw.close();
    const { hash, ...content } = a;
    expect(hashAuditEntry({ ...content, detail: '{"a":1,"b":true}' })).toBe(hash);
    expect(() => database.audit.record({ type: 't', detail: { n: Number.NaN } })).toThrow(
      /finite number/,
    );
    expect(() => database.audit.record({ type: '' })).toThrow(/type/);
  });

  it('refuses UPDATE and DELETE at the SQL level, and inserts that do not extend the chain', () => {
    recordThree();
    const raw = new DatabaseSync(file);
    expect(() => raw.exec("UPDATE audit_log SET type = 'nothing' WHERE seq = 2")).toThrow(
      /append-only/,
    );
    expect(() => raw.exec('DELETE FROM audit_log WHERE seq = 3')).toThrow(/append-only/);
    expect(() =>
      raw.exec(
        `INSERT INTO audit_log (seq, at, type, prev, hash)
         VALUES (9, '2031-01-01T00:00:00.000Z', 'forged', '${AUDIT_GENESIS}', 'x')`,
      ),
    ).toThrow(/must follow the newest entry/);
    raw.close();
    expect(database.audit.verify()).toEqual({ ok: true, records: 3 });
  });

  it('names an entry altered behind the triggers’ back', () => {
    recordThree();
    tamperWithAuditLog(file, "UPDATE audit_log SET consultation_id = 'c2' WHERE seq = 2");
    expect(database.audit.verify()).toEqual({
      ok: false,
      seq: 2,
      problem: 'its content does not match its hash',
    });
  });

  it('names a deleted entry by the gap it leaves', () => {
    recordThree();
    tamperWithAuditLog(file, 'DELETE FROM audit_log WHERE seq = 2');
    expect(database.audit.verify()).toEqual({
      ok: false,
      seq: 2,
      problem: 'the entry is missing (the next one is 3)',
    });
  });

  it('finds an entry rewritten with a fresh hash by the broken link after it', () => {
    recordThree();
    const entry = database.audit.entry(2);
    if (!entry) throw new Error('entry 2 is missing');
    const forged = { ...entry, consultationId: 'c2', detail: '{"inviteeId":"i1"}' };
    const { hash: _oldHash, ...content } = forged;
    tamperWithAuditLog(
      file,
      `UPDATE audit_log SET consultation_id = 'c2', hash = '${hashAuditEntry(content)}'
       WHERE seq = 2`,
    );
    expect(database.audit.verify()).toEqual({
      ok: false,
      seq: 3,
      problem: 'it does not link to entry 2 (one of the two was rewritten)',
    });
  });

  it('cannot see entries cut off the end, but the head noted before can', () => {
    recordThree();
    const head = database.audit.head();
    tamperWithAuditLog(file, 'DELETE FROM audit_log WHERE seq = 3');
    expect(database.audit.verify()).toEqual({ ok: true, records: 2 });
    expect(head && database.audit.entry(head.seq)).toBeUndefined();
  });

  it('exports one consultation’s entries, oldest first', () => {
    recordThree();
    database.audit.record({ type: 'admitted', consultationId: 'c2' });
    expect(database.audit.export('c1').map(({ seq, type }) => ({ seq, type }))).toEqual([
      { seq: 2, type: 'invite-opened' },
      { seq: 3, type: 'admitted' },
    ]);
    expect(database.audit.export('c3')).toEqual([]);
  });

  it('filters and pages entries for the API', () => {
    recordThree();
    const actor = pseudonym('https://idporten.test', 'patient-1');
    const seqs = (filter: Parameters<typeof database.audit.entries>[0]) =>
      database.audit.entries(filter).map((entry) => entry.seq);
    expect(seqs({})).toEqual([1, 2, 3]);
    expect(seqs({ actor })).toEqual([1, 2]);
    expect(seqs({ consultationId: 'c1', actor })).toEqual([2]);
    expect(seqs({ type: 'admitted' })).toEqual([3]);
    expect(seqs({ outcome: 'refused' })).toEqual([]);
    expect(seqs({ afterSeq: 1, limit: 1 })).toEqual([2]);
    expect(seqs({ from: '2000-01-01T00:00:00.000Z', to: '2000-01-02T00:00:00.000Z' })).toEqual([]);
  });
});

describe('pseudonym', () => {
  it('is a stable 32-hex-digit id that keeps issuers apart', () => {
    expect(pseudonym('a', 'b')).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonym('a', 'b')).toBe(pseudonym('a', 'b'));
    expect(pseudonym('a', 'b')).not.toBe(pseudonym('b', 'a'));
  });
});
