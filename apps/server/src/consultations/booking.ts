import type { Role } from '@skjerm/protocol';

/** A booked consultation as stored (see storage/consultation-store.ts). */
export interface Booking {
  id: string;
  title: string;
  startsAt: string;
  mode: 'consultation' | 'group';
  interpreter: boolean;
  status: 'booked' | 'live' | 'ended';
}

export interface BookedClinician {
  issuer: string;
  subject: string;
  name: string;
  role: 'clinician' | 'observer-clinician';
}

export interface BookedInvitee {
  id: string;
  consultationId: string;
  role: 'patient' | 'interpreter' | 'relative';
  name: string;
  displayName?: string | undefined;
  nationalId?: string | undefined;
}

/** What the live consultation needs from storage; the store owns the data. */
export interface BookingStore {
  get(id: string): Booking | undefined;
  clinicians(id: string): BookedClinician[];
  invitees(id: string): BookedInvitee[];
  findInvite(secret: string): { consultation: Booking; invitee: BookedInvitee } | undefined;
  markInviteOpened(inviteeId: string, at: Date): void;
  setStatus(id: string, status: Booking['status'], at: Date): void;
}

/** The role an invite admits, and whether a person's token fits it. */
export function inviteeMatches(
  invitee: BookedInvitee,
  person: { role: Role; nationalId?: string | undefined },
): boolean {
  if (person.role !== invitee.role) return false;
  // Entydig identifisering: a booked identity number must be the one the IdP verified.
  if (invitee.nationalId !== undefined) return person.nationalId === invitee.nationalId;
  return true;
}
