import type { RoomSpec } from '../load/control-plane.ts';
import type { MemberRole } from '../load/synthetic-people.ts';

/** (a) A clinician and a patient. */
export const oneToOne: RoomSpec = { mode: 'consultation', members: ['host', 'patient'] };

/** (b) Clinician, patient, a relative and an interpreter. */
export const withInterpreter: RoomSpec = {
  mode: 'consultation',
  members: ['host', 'patient', 'relative', 'interpreter'],
};

/** (c) Group therapy: one clinician, eight patients. */
export const groupTherapy: RoomSpec = {
  mode: 'group',
  members: ['host', ...repeat('patient', 8)],
};

/**
 * (d) The largest room one booking allows: the host, 12 patients, 6 co-clinicians, 4 relatives
 * and an interpreter (packages/protocol rest.ts limits), in the order they join.
 */
export const largeRoom: RoomSpec = {
  mode: 'group',
  members: [
    'host',
    ...repeat('patient', 12),
    ...repeat('clinician', 6),
    ...repeat('relative', 4),
    'interpreter',
  ],
};

export const LARGE_ROOM_SIZE = largeRoom.members.length;

function repeat(role: MemberRole, count: number): MemberRole[] {
  return Array.from({ length: count }, () => role);
}
