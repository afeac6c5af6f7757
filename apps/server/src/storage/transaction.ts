import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in a write transaction: all of it is committed, or none of it. IMMEDIATE takes
 * the write lock up front, so a read-then-write inside `work` (the audit log's next entry
 * follows the newest one) cannot interleave with another connection's.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
