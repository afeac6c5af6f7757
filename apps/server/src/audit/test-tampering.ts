import { DatabaseSync } from 'node:sqlite';

/**
 * Edits the audit table as someone with write access to the file could: drops the triggers
 * that keep it append-only, then runs `sql`. What verify() must still catch.
 */
export function tamperWithAuditLog(file: string, sql: string): void {
  const raw = new DatabaseSync(file);
  try {
    raw.exec(`
      DROP TRIGGER audit_log_no_update;
      DROP TRIGGER audit_log_no_delete;
      DROP TRIGGER audit_log_appends_to_chain;
    `);
    raw.exec(sql);
  } finally {
    raw.close();
  }
}
