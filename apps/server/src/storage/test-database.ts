import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BookingRequest } from './booking-request.ts';

/** A database path in a fresh temporary folder (the folder and file do not exist yet). */
export function tempDatabaseFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'skjerm-db-')), 'data', 'skjerm.db');
}

export const host = { issuer: 'https://helseid.test', subject: 'clinician-1', name: 'Dr. Berg' };

/** A one-to-one consultation with a patient (synthetic identity number) and an interpreter. */
export function exampleBooking(overrides: Partial<BookingRequest> = {}): BookingRequest {
  return {
    title: 'Kontroll etter operasjon',
    startsAt: '2031-03-04T10:00:00+01:00',
    mode: 'consultation',
    interpreter: true,
    createdBy: host,
    coClinicians: [
      {
        issuer: 'https://helseid.test',
        subject: 'clinician-2',
        name: 'Sykepleier Lund',
        role: 'observer-clinician',
      },
    ],
    invitees: [
      { role: 'patient', name: 'Kari Nordmann', nationalId: '21869030039' },
      { role: 'interpreter', name: 'Tolk Ali' },
    ],
    ...overrides,
  };
}
