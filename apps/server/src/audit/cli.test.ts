import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SkjermDatabase } from '../storage/database.ts';
import { exampleBooking, tempDatabaseFile } from '../storage/test-database.ts';
import type { AuditRecord } from './audit-log.ts';
import { tamperWithAuditLog } from './test-tampering.ts';

const cli = join(dirname(fileURLToPath(import.meta.url)), 'cli.ts');

function runCli(args: string[], env: Record<string, string> = {}) {
  const { INIT_CWD: _initCwd, SKJERM_DATA_DIR: _dataDir, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...inherited, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A database with two consultations' entries and one entry about no consultation. */
function populatedDatabase(): { file: string; first: string; second: string } {
  const file = tempDatabaseFile();
  const database = SkjermDatabase.open(file);
  const first = database.consultations.create(exampleBooking()).consultation.id;
  const second = database.consultations.create(exampleBooking()).consultation.id;
  database.audit.record({ type: 'authentication-refused', outcome: 'refused' });
  database.audit.record({ type: 'joined', consultationId: first, outcome: 'success' });
  database.audit.record({ type: 'joined', consultationId: second, outcome: 'success' });
  database.audit.record({ type: 'consultation-ended', consultationId: first });
  database.close();
  return { file, first, second };
}

describe('audit CLI', () => {
  it('verify reports an intact chain and exits 0', () => {
    const { file } = populatedDatabase();
    const { status, stdout } = runCli(['verify', '--db', file]);
    expect(stdout).toMatch(/^audit chain intact: 4 entries\n/);
    expect(stdout).toMatch(/newest entry, to keep as an anchor: 4:[0-9a-f]{64}\n$/);
    expect(status).toBe(0);
  });

  it('verify names the first tampered entry and exits 1', () => {
    const { file } = populatedDatabase();
    tamperWithAuditLog(file, "UPDATE audit_log SET outcome = 'refused' WHERE seq = 2");
    const { status, stdout } = runCli(['verify', '--db', file]);
    expect(stdout).toBe('audit chain broken at entry 2: its content does not match its hash\n');
    expect(status).toBe(1);
  });

  it('verify --anchor catches entries cut off the end', () => {
    const { file } = populatedDatabase();
    const anchor = /anchor: (\S+)/.exec(runCli(['verify', '--db', file]).stdout)?.[1] ?? '';
    expect(runCli(['verify', '--db', file, '--anchor', anchor]).status).toBe(0);
    tamperWithAuditLog(file, 'DELETE FROM audit_log WHERE seq = 4');
    const { status, stdout } = runCli(['verify', '--db', file, '--anchor', anchor]);
    expect(stdout).toMatch(/^audit chain broken at entry 4: it is gone/);
    expect(status).toBe(1);
  });

  it('export prints only that consultation’s entries, as JSON', () => {
    const { file, first } = populatedDatabase();
    const { status, stdout, stderr } = runCli(['export', `--consultation=${first}`, '--db', file]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const entries = JSON.parse(stdout) as AuditRecord[];
    expect(entries.map(({ seq, type, consultationId }) => ({ seq, type, consultationId }))).toEqual(
      [
        { seq: 2, type: 'joined', consultationId: first },
        { seq: 4, type: 'consultation-ended', consultationId: first },
      ],
    );
  });

  it('export of an unknown consultation says so and exits 1', () => {
    const { file } = populatedDatabase();
    const { status, stderr } = runCli(['export', '--consultation', 'nope', '--db', file]);
    expect(stderr).toMatch(/no consultation nope/);
    expect(status).toBe(1);
  });

  it('finds the database in SKJERM_DATA_DIR relative to where pnpm was started', () => {
    const { file } = populatedDatabase();
    const dataDir = dirname(file);
    const startedIn = dirname(dataDir);
    const { status, stdout } = runCli(['verify'], {
      INIT_CWD: startedIn,
      SKJERM_DATA_DIR: relative(startedIn, dataDir),
    });
    expect(stdout).toMatch(/^audit chain intact: 4 entries/);
    expect(status).toBe(0);
  });

  it('answers a missing database with exit 1 and bad usage with the usage text and exit 2', () => {
    const missing = runCli(['verify', '--db', join(tempDatabaseFile(), 'none.db')]);
    expect(missing.stderr).toMatch(/no Skjerm database at/);
    expect(missing.status).toBe(1);
    for (const args of [[], ['frobnicate'], ['export'], ['verify', '--bogus']]) {
      const { status, stderr } = runCli(args);
      expect(stderr).toMatch(/usage: pnpm --filter @skjerm\/server run audit/);
      expect(status).toBe(2);
    }
  });
});
