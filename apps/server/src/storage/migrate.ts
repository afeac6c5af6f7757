import type { DatabaseSync } from 'node:sqlite';
import { type Migration, migrations } from './migrations.ts';
import { integer } from './rows.ts';
import { StorageError } from './storage-errors.ts';
import { inTransaction } from './transaction.ts';

/** The schema version a database is at: the newest step it has recorded, 0 for a new file. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db
    .prepare('SELECT coalesce(max(version), 0) AS version FROM schema_migrations')
    .get();
  return row ? integer(row, 'version') : 0;
}

/**
 * Brings a database up to the newest step of `steps`, one transaction per step, and returns
 * the versions it went from and to. Running it again does nothing. A database at a newer
 * version than `steps` knows is refused untouched: this code would not understand its data.
 */
export function migrate(
  db: DatabaseSync,
  steps: readonly Migration[] = migrations,
): { from: number; to: number } {
  steps.forEach((step, index) => {
    if (step.version !== index + 1) {
      throw new Error(`migration ${step.name} has version ${step.version}, expected ${index + 1}`);
    }
  });
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT
  `);
  const from = schemaVersion(db);
  if (from > steps.length) {
    throw new StorageError(
      'schema-too-new',
      `its schema is at version ${from}, this version of Skjerm knows versions up to ${steps.length}`,
    );
  }
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const step of steps.slice(from)) {
    try {
      inTransaction(db, () => {
        // Another process may have applied it while this one waited for the write lock.
        if (schemaVersion(db) >= step.version) return;
        db.exec(step.sql);
        record.run(step.version, step.name, new Date().toISOString());
      });
    } catch (error) {
      throw new StorageError('migration-failed', `step ${step.version} (${step.name})`, {
        cause: error,
      });
    }
  }
  return { from, to: schemaVersion(db) };
}
