import { statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SkjermDatabase } from './database.ts';
import { migrate, schemaVersion } from './migrate.ts';
import { latestSchemaVersion, migrations } from './migrations.ts';
import { StorageError } from './storage-errors.ts';
import { tempDatabaseFile } from './test-database.ts';

function migrationRows(file: string): unknown[] {
  const raw = new DatabaseSync(file);
  try {
    return raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  } finally {
    raw.close();
  }
}

describe('SkjermDatabase', () => {
  it('creates its folder and a file only its owner can read, in WAL mode', () => {
    const file = tempDatabaseFile();
    const database = SkjermDatabase.open(file);
    database.audit.record({ type: 'started' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    const raw = new DatabaseSync(file);
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    raw.close();
    database.close();
  });

  it('applies every migration once, and reopening applies none again', () => {
    const file = tempDatabaseFile();
    SkjermDatabase.open(file).close();
    const first = migrationRows(file);
    expect(first).toHaveLength(latestSchemaVersion);
    const reopened = SkjermDatabase.open(file);
    reopened.consultations.listForClinician('i', 's');
    reopened.close();
    expect(migrationRows(file)).toEqual(first);
  });

  it('numbers its migrations 1, 2, 3… in order', () => {
    expect(migrations.map((step) => step.version)).toEqual(
      migrations.map((_step, index) => index + 1),
    );
  });

  it('refuses a database whose schema is newer than the code knows, and leaves it alone', () => {
    const file = tempDatabaseFile();
    SkjermDatabase.open(file).close();
    const raw = new DatabaseSync(file);
    raw
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(latestSchemaVersion + 1, 'from the future', new Date().toISOString());
    raw.close();
    expect(() => SkjermDatabase.open(file)).toThrow(
      expect.objectContaining({ code: 'schema-too-new' }),
    );
    expect(() => SkjermDatabase.open(file)).toThrow(
      new RegExp(`newer version.*version ${latestSchemaVersion + 1}.*up to ${latestSchemaVersion}`),
    );
    expect(migrationRows(file)).toHaveLength(latestSchemaVersion + 1);
  });

  it('close() is idempotent', () => {
    const database = SkjermDatabase.open(tempDatabaseFile());
    database.close();
    database.close();
    expect(database.closed).toBe(true);
  });
});

describe('migrate', () => {
  const steps = [
    { version: 1, name: 'a table', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
    { version: 2, name: 'a broken step', sql: 'CREATE TABLE b (x INTEGER); SELECT nonsense;' },
  ];

  it('rolls a failing step back entirely and keeps the steps before it', () => {
    const db = new DatabaseSync(':memory:');
    const failure = (() => {
      try {
        migrate(db, steps);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ code: 'migration-failed' });
    expect(schemaVersion(db)).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables.map((row) => row.name)).toEqual(['schema_migrations', 'a']);
    db.close();
  });

  it('reports the versions it went from and to', () => {
    const db = new DatabaseSync(':memory:');
    expect(migrate(db, steps.slice(0, 1))).toEqual({ from: 0, to: 1 });
    expect(migrate(db, steps.slice(0, 1))).toEqual({ from: 1, to: 1 });
    db.close();
  });
});
