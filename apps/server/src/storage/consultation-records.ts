import { integer, oneOf, optionalText, type Row, text } from './rows.ts';

export const consultationModes = ['consultation', 'group'] as const;
export type ConsultationMode = (typeof consultationModes)[number];

export const consultationStatuses = ['booked', 'live', 'ended'] as const;
export type ConsultationStatus = (typeof consultationStatuses)[number];

export const clinicianRoles = ['clinician', 'observer-clinician'] as const;
export type ClinicianRole = (typeof clinicianRoles)[number];

export const inviteeRoles = ['patient', 'interpreter', 'relative'] as const;
export type InviteeRole = (typeof inviteeRoles)[number];

/** A person as their identity provider knows them: the token's `iss` and `sub`. */
export interface PersonRef {
  issuer: string;
  subject: string;
}

export interface Consultation {
  /** 22 random base64url characters: unguessable. */
  id: string;
  /** '' once purged. */
  title: string;
  /** ISO 8601, UTC. */
  startsAt: string;
  mode: ConsultationMode;
  /** Whether an interpreter takes part. */
  interpreter: boolean;
  status: ConsultationStatus;
  createdAt: string;
  endedAt?: string;
  createdBy: PersonRef;
  /** When the personal data was removed (see ConsultationStore.purgeExpired). */
  purgedAt?: string;
}

/** A clinician of a consultation; the one who booked it is always a 'clinician' (host). */
export interface Clinician extends PersonRef {
  /** '' once purged. */
  name: string;
  role: ClinicianRole;
}

export interface Invitee {
  id: string;
  consultationId: string;
  role: InviteeRole;
  /** The booked person's name; '' once purged. */
  name: string;
  /**
   * The name others in the consultation see: in group mode set by the clinician, so patients
   * need not learn each other's full names; the name when none was given.
   */
  displayName: string;
  /** The booked identity number (a patient's, a relative's): the signed-in person must have it. */
  nationalId?: string;
  /** SHA-256 (hex) of the invite secret; absent once purged, so the invite is dead. */
  inviteTokenHash?: string;
  /** When the invite was first opened. */
  openedAt?: string;
}

export function consultationFromRow(row: Row): Consultation {
  const consultation: Consultation = {
    id: text(row, 'id'),
    title: text(row, 'title'),
    startsAt: text(row, 'starts_at'),
    mode: oneOf(row, 'mode', consultationModes),
    interpreter: integer(row, 'interpreter') === 1,
    status: oneOf(row, 'status', consultationStatuses),
    createdAt: text(row, 'created_at'),
    createdBy: { issuer: text(row, 'created_by_issuer'), subject: text(row, 'created_by_subject') },
  };
  const endedAt = optionalText(row, 'ended_at');
  if (endedAt !== undefined) consultation.endedAt = endedAt;
  const purgedAt = optionalText(row, 'purged_at');
  if (purgedAt !== undefined) consultation.purgedAt = purgedAt;
  return consultation;
}

export function clinicianFromRow(row: Row): Clinician {
  return {
    issuer: text(row, 'issuer'),
    subject: text(row, 'subject'),
    name: text(row, 'name'),
    role: oneOf(row, 'role', clinicianRoles),
  };
}

export function inviteeFromRow(row: Row): Invitee {
  const invitee: Invitee = {
    id: text(row, 'id'),
    consultationId: text(row, 'consultation_id'),
    role: oneOf(row, 'role', inviteeRoles),
    name: text(row, 'name'),
    displayName: text(row, 'display_name'),
  };
  const nationalId = optionalText(row, 'national_id');
  if (nationalId !== undefined) invitee.nationalId = nationalId;
  const inviteTokenHash = optionalText(row, 'invite_token_hash');
  if (inviteTokenHash !== undefined) invitee.inviteTokenHash = inviteTokenHash;
  const openedAt = optionalText(row, 'opened_at');
  if (openedAt !== undefined) invitee.openedAt = openedAt;
  return invitee;
}
