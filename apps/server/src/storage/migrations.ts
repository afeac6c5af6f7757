/**
 * The database schema, as the ordered steps that build it. A step, once released, is never
 * edited: a change is a new step at the end. `SkjermDatabase.open` applies the steps a
 * database has not had yet, each in its own transaction, and records them in
 * `schema_migrations`.
 */
export interface Migration {
  /** 1, 2, 3…: the position in the list, stored in `schema_migrations.version`. */
  version: number;
  name: string;
  sql: string;
}

/** The `prev` of the first audit entry (see audit/audit-log.ts). */
const AUDIT_GENESIS = '0'.repeat(64);

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'consultations, invitees and the audit log',
    sql: `
      CREATE TABLE consultations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('consultation', 'group')),
        interpreter INTEGER NOT NULL CHECK (interpreter IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('booked', 'live', 'ended')),
        created_at TEXT NOT NULL,
        ended_at TEXT,
        created_by_issuer TEXT NOT NULL,
        created_by_subject TEXT NOT NULL,
        purged_at TEXT
      ) STRICT;
      CREATE INDEX consultations_by_end ON consultations (ended_at) WHERE purged_at IS NULL;

      CREATE TABLE consultation_clinicians (
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('clinician', 'observer-clinician')),
        PRIMARY KEY (consultation_id, issuer, subject)
      ) STRICT;
      CREATE INDEX consultation_clinicians_by_person ON consultation_clinicians (issuer, subject);

      -- The invite secret is never stored, only its SHA-256; purging sets it to NULL so an
      -- old invite no longer resolves.
      CREATE TABLE invitees (
        id TEXT PRIMARY KEY,
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('patient', 'interpreter', 'relative')),
        name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        national_id TEXT,
        invite_token_hash TEXT UNIQUE,
        opened_at TEXT
      ) STRICT;
      CREATE INDEX invitees_by_consultation ON invitees (consultation_id);

      -- No foreign key to consultations: an audit entry outlives anything it mentions, and
      -- some (a refused invite) name no consultation that exists.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        consultation_id TEXT,
        actor TEXT,
        role TEXT,
        outcome TEXT CHECK (outcome IN ('success', 'failure', 'refused')),
        detail TEXT,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_by_consultation ON audit_log (consultation_id, seq);
      CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);

      -- Append-only for every SQL client, not only for this code. Whoever can write the file
      -- can drop these triggers; the hash chain is what catches that.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
      END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
      END;
      CREATE TRIGGER audit_log_appends_to_chain BEFORE INSERT ON audit_log
      WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM audit_log), 0) + 1
        OR NEW.prev IS NOT coalesce(
          (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1),
          '${AUDIT_GENESIS}'
        )
      BEGIN
        SELECT RAISE(ABORT, 'audit_log entries must follow the newest entry');
      END;
    `,
  },
];

/** The schema version this code writes and understands. */
export const latestSchemaVersion = migrations.length;
