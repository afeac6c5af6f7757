import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AuditLog } from '../audit/audit-log.ts';
import { ConsultationStore } from './consultation-store.ts';
import { migrate } from './migrate.ts';

/** The database's name inside the data folder (`SKJERM_DATA_DIR`). */
export const DATABASE_FILE_NAME = 'skjerm.db';

export function databaseFile(dataDir: string): string {
  return join(dataDir, DATABASE_FILE_NAME);
}

/**
 * How long a statement waits for another connection's write lock (the audit CLI, a second
 * process) before failing with SQLITE_BUSY. Writes here are small; seconds mean trouble.
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The server's one SQLite file: consultations, invitees and the audit log. `open` creates it
 * if needed and brings its schema up to date; `close` releases it.
 */
export class SkjermDatabase {
  readonly file: string;
  readonly consultations: ConsultationStore;
  readonly audit: AuditLog;
  readonly #db: DatabaseSync;
  #closed = false;

  private constructor(file: string, db: DatabaseSync) {
    this.file = file;
    this.#db = db;
    this.consultations = new ConsultationStore(db);
    this.audit = new AuditLog(db);
  }

  static open(file: string): SkjermDatabase {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // SQLite would create the file with the umask's mode (often 0644); it holds patients'
    // names and identity numbers, so only the server's account may read it. The WAL and
    // shared-memory files SQLite adds take this file's mode.
    closeSync(openSync(file, 'a', 0o600));
    const db = new DatabaseSync(file, {
      enableForeignKeyConstraints: true,
      timeout: BUSY_TIMEOUT_MS,
      // No writable_schema and friends: the schema changes only through migrations.
      defensive: true,
    });
    try {
      // WAL: readers (the audit CLI) do not block the server's writes, nor it theirs.
      db.exec('PRAGMA journal_mode = WAL');
      // Signaling nodes on one host may share the file (cluster mode): a write that finds
      // another process's transaction open waits for it instead of failing at once.
      db.exec('PRAGMA busy_timeout = 5000');
      // FULL: a commit is on disk when it returns. An access must not be granted before its
      // audit entry is durable; NORMAL could lose the last commits on power loss.
      db.exec('PRAGMA synchronous = FULL');
      // Deleted and overwritten values are zeroed in the file, not left in free space: a
      // purged identity number must not be recoverable from the file (purgeExpired).
      db.exec('PRAGMA secure_delete = ON');
      migrate(db);
      return new SkjermDatabase(file, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
