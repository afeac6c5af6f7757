import { isWellFormedNationalId } from '../auth/national-id.ts';
import {
  type Clinician,
  type ConsultationMode,
  clinicianRoles,
  consultationModes,
  type InviteeRole,
  inviteeRoles,
  type PersonRef,
} from './consultation-records.ts';
import { StorageError } from './storage-errors.ts';

/** What a clinician books. Only what the workflow needs: no notes, no diagnoses. */
export interface BookingRequest {
  title: string;
  /** ISO 8601 with a time zone (`Z` or `+01:00`); stored in UTC. */
  startsAt: string;
  mode: ConsultationMode;
  interpreter: boolean;
  /** The booking clinician, who becomes the consultation's host. `name` may be '' (no claim). */
  createdBy: PersonRef & { name: string };
  coClinicians: Clinician[];
  invitees: InviteeRequest[];
}

export interface InviteeRequest {
  role: InviteeRole;
  name: string;
  /**
   * What others in the consultation see; defaults to `name`. In group mode the clinician
   * sets it, so patients need not learn each other's full names.
   */
  displayName?: string | undefined;
  /** The identity number the signed-in invitee must have (a patient's, a relative's). */
  nationalId?: string | undefined;
}

const MAX_TEXT_LENGTH = 200;
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `value` as a UTC ISO 8601 string, or a StorageError naming `field`. */
export function normalizeInstant(value: string, field: string): string {
  const time = isoInstantPattern.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new StorageError('invalid-booking', `${field} is not an ISO 8601 time with a zone`);
  }
  return new Date(time).toISOString();
}

export function checkTitle(title: string): void {
  if (typeof title !== 'string' || title.length > MAX_TEXT_LENGTH) {
    throw new StorageError(
      'invalid-booking',
      `title must be at most ${MAX_TEXT_LENGTH} characters`,
    );
  }
}

function checkName(name: string, field: string, options = { optional: false }): void {
  const empty = typeof name === 'string' && name.trim() === '';
  if (typeof name !== 'string' || (empty && !options.optional) || name.length > MAX_TEXT_LENGTH) {
    throw new StorageError(
      'invalid-booking',
      `${field} must be 1 to ${MAX_TEXT_LENGTH} characters`,
    );
  }
}

function checkPerson(person: PersonRef, field: string): void {
  if (typeof person.issuer !== 'string' || person.issuer === '') {
    throw new StorageError('invalid-booking', `${field}.issuer is missing`);
  }
  if (typeof person.subject !== 'string' || person.subject === '') {
    throw new StorageError('invalid-booking', `${field}.subject is missing`);
  }
}

/**
 * Refuses a booking the schema could store but the workflow cannot use: a person without an
 * issuer or subject, a clinician listed twice, a malformed identity number, an unknown role.
 */
export function checkBooking(booking: BookingRequest): void {
  checkTitle(booking.title);
  if (!consultationModes.includes(booking.mode)) {
    throw new StorageError('invalid-booking', 'mode must be consultation or group');
  }
  if (typeof booking.interpreter !== 'boolean') {
    throw new StorageError('invalid-booking', 'interpreter must be true or false');
  }
  checkPerson(booking.createdBy, 'createdBy');
  // ID-porten and some other IdPs release no name; the host is then nameless here too.
  checkName(booking.createdBy.name, 'createdBy.name', { optional: true });
  const seen = new Set([`${booking.createdBy.issuer}\0${booking.createdBy.subject}`]);
  booking.coClinicians.forEach((clinician, index) => {
    const field = `coClinicians[${index}]`;
    checkPerson(clinician, field);
    checkName(clinician.name, `${field}.name`);
    if (!clinicianRoles.includes(clinician.role)) {
      throw new StorageError('invalid-booking', `${field}.role is not a clinician role`);
    }
    const key = `${clinician.issuer}\0${clinician.subject}`;
    if (seen.has(key)) throw new StorageError('invalid-booking', `${field} is listed twice`);
    seen.add(key);
  });
  booking.invitees.forEach((invitee, index) => {
    const field = `invitees[${index}]`;
    if (!inviteeRoles.includes(invitee.role)) {
      throw new StorageError('invalid-booking', `${field}.role is not an invitee role`);
    }
    checkName(invitee.name, `${field}.name`);
    if (invitee.displayName !== undefined) checkName(invitee.displayName, `${field}.displayName`);
    if (invitee.nationalId !== undefined && !isWellFormedNationalId(invitee.nationalId)) {
      throw new StorageError('invalid-booking', `${field}.nationalId is malformed`);
    }
  });
}
