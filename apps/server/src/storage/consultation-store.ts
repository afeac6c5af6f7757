import type { DatabaseSync } from 'node:sqlite';
import {
  type BookingRequest,
  checkBooking,
  checkTitle,
  normalizeInstant,
} from './booking-request.ts';
import {
  type Clinician,
  type Consultation,
  type ConsultationStatus,
  clinicianFromRow,
  consultationFromRow,
  type Invitee,
  type InviteeRole,
  inviteeFromRow,
} from './consultation-records.ts';
import { text } from './rows.ts';
import { hashInviteSecret, isWellFormedInviteSecret, newId, newInviteSecret } from './secrets.ts';
import { StorageError } from './storage-errors.ts';
import { inTransaction } from './transaction.ts';

/** An invite as handed to the booking clinician: the only time the secret exists in full. */
export interface IssuedInvite {
  inviteeId: string;
  role: InviteeRole;
  name: string;
  /** 32 random bytes, base64url. Only its hash is stored: it cannot be shown again. */
  secret: string;
}

export interface Booked {
  consultation: Consultation;
  invites: IssuedInvite[];
}

/** Where a status may go: forward only, and an ended consultation stays ended. */
const nextStatuses: Record<ConsultationStatus, readonly ConsultationStatus[]> = {
  booked: ['live', 'ended'],
  live: ['ended'],
  ended: [],
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Consultations, their clinicians and their invitees. Holds only what the workflow needs
 * (names, a patient's identity number, hashes of invite secrets): no media, no keys, no notes.
 */
export class ConsultationStore {
  readonly #db: DatabaseSync;
  readonly #statements: ReturnType<typeof prepareStatements>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#statements = prepareStatements(db);
  }

  /** Books a consultation. The invites' secrets are returned here and never again. */
  create(booking: BookingRequest, now: Date = new Date()): Booked {
    checkBooking(booking);
    const startsAt = normalizeInstant(booking.startsAt, 'startsAt');
    const id = newId();
    const createdAt = now.toISOString();
    const { insertConsultation, insertClinician, insertInvitee } = this.#statements;
    const invites = inTransaction(this.#db, () => {
      insertConsultation.run({
        id,
        title: booking.title,
        startsAt,
        mode: booking.mode,
        interpreter: booking.interpreter ? 1 : 0,
        createdAt,
        issuer: booking.createdBy.issuer,
        subject: booking.createdBy.subject,
      });
      const clinicians: Clinician[] = [
        { ...booking.createdBy, role: 'clinician' },
        ...booking.coClinicians,
      ];
      for (const { issuer, subject, name, role } of clinicians) {
        insertClinician.run({ consultationId: id, issuer, subject, name, role });
      }
      return booking.invitees.map((invitee): IssuedInvite => {
        const inviteeId = newId();
        const secret = newInviteSecret();
        insertInvitee.run({
          id: inviteeId,
          consultationId: id,
          role: invitee.role,
          name: invitee.name,
          displayName: invitee.displayName ?? invitee.name,
          nationalId: invitee.nationalId ?? null,
          inviteTokenHash: hashInviteSecret(secret),
        });
        return { inviteeId, role: invitee.role, name: invitee.name, secret };
      });
    });
    return { consultation: this.#require(id), invites };
  }

  get(id: string): Consultation | undefined {
    const row = this.#statements.selectConsultation.get(id);
    return row ? consultationFromRow(row) : undefined;
  }

  /** The host first, then co-clinicians in booking order. */
  clinicians(id: string): Clinician[] {
    return this.#statements.selectClinicians.all(id).map(clinicianFromRow);
  }

  invitees(id: string): Invitee[] {
    return this.#statements.selectInvitees.all(id).map(inviteeFromRow);
  }

  /** Whether the person is one of the consultation's clinicians (observers included). */
  isClinicianOf(id: string, issuer: string, subject: string): boolean {
    return this.#statements.selectClinician.get(id, issuer, subject) !== undefined;
  }

  /** The person's consultations, the latest appointment first. */
  listForClinician(issuer: string, subject: string): Consultation[] {
    return this.#statements.selectForClinician.all(issuer, subject).map(consultationFromRow);
  }

  /**
   * The invite a secret opens, whatever the consultation's status (the caller refuses ended
   * ones with its own message). A malformed, unknown or purged secret finds nothing.
   */
  findInvite(secret: string): { consultation: Consultation; invitee: Invitee } | undefined {
    if (!isWellFormedInviteSecret(secret)) return undefined;
    const row = this.#statements.selectInviteByHash.get(hashInviteSecret(secret));
    if (!row) return undefined;
    const invitee = inviteeFromRow(row);
    return { consultation: this.#require(invitee.consultationId), invitee };
  }

  /** Records the first opening of an invite; later openings keep the first time. */
  markInviteOpened(inviteeId: string, at: Date): void {
    const { changes } = this.#statements.markOpened.run(at.toISOString(), inviteeId);
    if (Number(changes) === 0) throw new StorageError('invitee-not-found');
  }

  /**
   * Moves a consultation forward (booked → live → ended, or booked → ended when cancelled).
   * Setting the status it already has changes nothing; going back is refused.
   */
  setStatus(id: string, status: ConsultationStatus, at: Date): Consultation {
    return inTransaction(this.#db, () => {
      const current = this.#require(id);
      if (current.status === status) return current;
      if (!nextStatuses[current.status].includes(status)) {
        throw new StorageError('invalid-status-change', `${current.status} → ${status}`);
      }
      this.#statements.updateStatus.run({
        id,
        status,
        endedAt: status === 'ended' ? at.toISOString() : null,
      });
      return this.#require(id);
    });
  }

  /** Re-books a consultation that has not ended. */
  update(id: string, changes: { title?: string; startsAt?: string }): Consultation {
    if (changes.title !== undefined) checkTitle(changes.title);
    const startsAt =
      changes.startsAt === undefined ? undefined : normalizeInstant(changes.startsAt, 'startsAt');
    return inTransaction(this.#db, () => {
      const current = this.#require(id);
      if (current.status === 'ended') throw new StorageError('consultation-ended');
      this.#statements.updateBooking.run({
        id,
        title: changes.title ?? current.title,
        startsAt: startsAt ?? current.startsAt,
      });
      return this.#require(id);
    });
  }

  /**
   * Removes the personal data of consultations that ended more than `retentionDays` before
   * `now`: title, clinicians' names, invitees' names, display names, identity numbers and
   * invite hashes (so old invites stop working). The rows and their ids stay, so audit
   * entries still name a consultation. Returns how many consultations were purged.
   *
   * With secure_delete on (database.ts) the old values are overwritten in the file; the
   * checkpoint then clears the write-ahead log, which still holds the pages as they were.
   */
  purgeExpired(retentionDays: number, now: Date): number {
    if (!Number.isFinite(retentionDays) || retentionDays < 0) {
      throw new RangeError('retentionDays must be a non-negative number');
    }
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
    const purgedAt = now.toISOString();
    const { selectExpired, purgeConsultation, endAbandoned, purgeClinicians, purgeInvitees } =
      this.#statements;
    const purged = inTransaction(this.#db, () => {
      const ids = selectExpired.all({ cutoff }).map((row) => text(row, 'id'));
      for (const id of ids) {
        // A booking never held is ended first: its invites must not open a call any more.
        endAbandoned.run(purgedAt, id);
        purgeConsultation.run(purgedAt, id);
        purgeClinicians.run(id);
        purgeInvitees.run(id);
      }
      return ids.length;
    });
    // Best effort: a reader in the middle of a query keeps its pages until the next checkpoint.
    if (purged > 0) this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return purged;
  }

  #require(id: string): Consultation {
    const consultation = this.get(id);
    if (!consultation) throw new StorageError('consultation-not-found');
    return consultation;
  }
}

function prepareStatements(db: DatabaseSync) {
  const prepare = (sql: string) => db.prepare(sql);
  return {
    insertConsultation: prepare(
      `INSERT INTO consultations
         (id, title, starts_at, mode, interpreter, status, created_at,
          created_by_issuer, created_by_subject)
       VALUES (:id, :title, :startsAt, :mode, :interpreter, 'booked', :createdAt, :issuer, :subject)`,
    ),
    insertClinician: prepare(
      `INSERT INTO consultation_clinicians (consultation_id, issuer, subject, name, role)
       VALUES (:consultationId, :issuer, :subject, :name, :role)`,
    ),
    insertInvitee: prepare(
      `INSERT INTO invitees
         (id, consultation_id, role, name, display_name, national_id, invite_token_hash)
       VALUES (:id, :consultationId, :role, :name, :displayName, :nationalId, :inviteTokenHash)`,
    ),
    selectConsultation: prepare('SELECT * FROM consultations WHERE id = ?'),
    selectClinicians: prepare(
      'SELECT * FROM consultation_clinicians WHERE consultation_id = ? ORDER BY rowid',
    ),
    selectClinician: prepare(
      `SELECT 1 FROM consultation_clinicians
       WHERE consultation_id = ? AND issuer = ? AND subject = ?`,
    ),
    selectInvitees: prepare('SELECT * FROM invitees WHERE consultation_id = ? ORDER BY rowid'),
    selectForClinician: prepare(
      `SELECT consultations.* FROM consultations
       JOIN consultation_clinicians ON consultation_clinicians.consultation_id = consultations.id
       WHERE consultation_clinicians.issuer = ? AND consultation_clinicians.subject = ?
       ORDER BY consultations.starts_at DESC, consultations.created_at DESC, consultations.id`,
    ),
    selectInviteByHash: prepare('SELECT * FROM invitees WHERE invite_token_hash = ?'),
    markOpened: prepare('UPDATE invitees SET opened_at = coalesce(opened_at, ?) WHERE id = ?'),
    updateStatus: prepare(
      'UPDATE consultations SET status = :status, ended_at = :endedAt WHERE id = :id',
    ),
    updateBooking: prepare(
      'UPDATE consultations SET title = :title, starts_at = :startsAt WHERE id = :id',
    ),
    selectExpired: prepare(
      // Ended long enough ago, or booked for a time long past and never held.
      `SELECT id FROM consultations
       WHERE purged_at IS NULL
         AND ((status = 'ended' AND ended_at < :cutoff)
           OR (status = 'booked' AND starts_at < :cutoff))`,
    ),
    purgeConsultation: prepare(`UPDATE consultations SET title = '', purged_at = ? WHERE id = ?`),
    endAbandoned: prepare(
      `UPDATE consultations SET status = 'ended', ended_at = ? WHERE id = ? AND status = 'booked'`,
    ),
    purgeClinicians: prepare(
      `UPDATE consultation_clinicians SET name = '' WHERE consultation_id = ?`,
    ),
    purgeInvitees: prepare(
      `UPDATE invitees
       SET name = '', display_name = '', national_id = NULL, invite_token_hash = NULL
       WHERE consultation_id = ?`,
    ),
  };
}
