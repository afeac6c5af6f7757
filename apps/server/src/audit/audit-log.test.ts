import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, pseudonym, readAuditFile, verifyAuditFile } from './audit-log.ts';

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'skjerm-audit-')), 'audit.jsonl');
}

describe('AuditLog', () => {
  it('chains records and continues the chain after a restart', () => {
    const file = tempFile();
    new AuditLog(file).record({
      type: 'session-opened',
      actor: { actor: pseudonym('i', 's'), role: 'patient' },
    });
    const reopened = new AuditLog(file);
    reopened.record({
      type: 'producer-rejected',
      consultationId: 'c1',
      detail: { reason: 'unexpected-kid' },
    });
    const records = readAuditFile(file);
    expect(records.map((record) => record.seq)).toEqual([1, 2]);
    expect(records[1]?.prev).toBe(records[0]?.hash);
    expect(verifyAuditFile(file)).toMatchObject({ ok: true, records: 2 });
  });

  it('detects an edited line and refuses to append to a damaged log', () => {
    const file = tempFile();
    const log = new AuditLog(file);
    log.record({ type: 'a' });
    log.record({ type: 'b' });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"type":"a"', '"type":"x"'));
    expect(verifyAuditFile(file)).toEqual({ ok: false, problem: 'record 1 was altered' });
    expect(() => new AuditLog(file)).toThrow(/damaged/);
  });

  it('detects a removed line', () => {
    const file = tempFile();
    const log = new AuditLog(file);
    for (const type of ['a', 'b', 'c']) log.record({ type });
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], lines[2], ''].join('\n'));
    expect(verifyAuditFile(file)).toEqual({ ok: false, problem: 'record 2 is missing' });
  });
});
