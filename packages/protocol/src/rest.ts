import { type Static, Type } from '@sinclair/typebox';
import { ConsultationMode } from './messages.ts';
import { DisplayName, Id } from './primitives.ts';

const strict = { additionalProperties: false } as const;

/** Fødselsnummer / D-nummer (11 digits) or personnummer (12 digits); checksums checked too. */
export const NationalId = Type.String({ pattern: '^[0-9]{11,12}$' });

/** POST /api/consultations: a clinician books a consultation. */
export const BookingRequest = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    /** ISO 8601 date and time. */
    startsAt: Type.String({ minLength: 10, maxLength: 40 }),
    mode: ConsultationMode,
    interpreter: Type.Optional(Type.Boolean()),
    /** One patient in `consultation` mode, up to 12 in `group` mode. */
    patients: Type.Array(
      Type.Object(
        {
          name: DisplayName,
          nationalId: NationalId,
          /** What other group patients see instead of the name. */
          displayName: Type.Optional(DisplayName),
        },
        strict,
      ),
      { minItems: 1, maxItems: 12 },
    ),
    relatives: Type.Optional(
      Type.Array(
        Type.Object({ name: DisplayName, nationalId: Type.Optional(NationalId) }, strict),
        {
          maxItems: 4,
        },
      ),
    ),
    /** Other clinicians, by their subject at the same identity provider. */
    coClinicians: Type.Optional(
      Type.Array(
        Type.Object(
          {
            subject: Type.String({ minLength: 1, maxLength: 200 }),
            name: DisplayName,
            role: Type.Union([Type.Literal('clinician'), Type.Literal('observer-clinician')]),
          },
          strict,
        ),
        { maxItems: 6 },
      ),
    ),
  },
  strict,
);
export type BookingRequest = Static<typeof BookingRequest>;

/** PATCH /api/consultations/:id: change what a booking says (not who is invited). */
export const BookingUpdate = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    startsAt: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ConsultationSummary = Type.Object({
  id: Id,
  title: Type.String(),
  startsAt: Type.String(),
  mode: ConsultationMode,
  interpreter: Type.Boolean(),
  status: Type.Union([Type.Literal('booked'), Type.Literal('live'), Type.Literal('ended')]),
});
export type ConsultationSummary = Static<typeof ConsultationSummary>;

/** One link per expected participant; the secret is in the fragment, never sent to servers. */
export const Invite = Type.Object({
  inviteeId: Id,
  role: Type.Union([
    Type.Literal('patient'),
    Type.Literal('interpreter'),
    Type.Literal('relative'),
  ]),
  name: DisplayName,
  url: Type.String(),
});

export const BookingResponse = Type.Object({
  consultation: ConsultationSummary,
  invites: Type.Array(Invite),
});
export type BookingResponse = Static<typeof BookingResponse>;
