import { type Static, Type } from '@sinclair/typebox';
import { Role, WaitingEntry } from '@skjerm/protocol';

/**
 * A live consultation's state without its connections: what another signaling node needs to
 * take the consultation over when the node holding it dies (cluster mode). Identity numbers
 * are in it (clinicians see them on the waiting list), so it is kept where the booking is:
 * the cluster's private Redis, never in logs.
 */
const Key = Type.String({ maxLength: 256 });
const Capabilities = Type.Record(Type.String(), Type.Unknown());

export const ConsultationSnapshot = Type.Object({
  nextSlot: Type.Integer({ minimum: 1 }),
  ended: Type.Boolean(),
  removed: Type.Array(Type.String({ maxLength: 4096 })),
  members: Type.Array(
    Type.Object({
      participantId: Type.String({ maxLength: 64 }),
      person: Type.String({ maxLength: 4096 }),
      name: Type.String({ maxLength: 512 }),
      role: Role,
      host: Type.Boolean(),
      inviteeId: Type.Optional(Type.String({ maxLength: 64 })),
      senderSlot: Type.Integer({ minimum: 1 }),
      keyVerified: Type.Boolean(),
      boxPublicKey: Key,
      signPublicKey: Key,
      rtpCapabilities: Capabilities,
    }),
  ),
  waiting: Type.Array(
    Type.Object({
      entry: WaitingEntry,
      inviteeId: Type.String({ maxLength: 64 }),
      arrival: Type.Object({
        issuer: Type.String({ maxLength: 2048 }),
        subject: Type.String({ maxLength: 1024 }),
        name: Type.String({ maxLength: 512 }),
        role: Role,
        nationalId: Type.Optional(Type.String({ maxLength: 64 })),
        assurance: Type.Optional(Type.String({ maxLength: 256 })),
        boxPublicKey: Key,
        signPublicKey: Key,
        rtpCapabilities: Capabilities,
      }),
    }),
  ),
});
export type ConsultationSnapshot = Static<typeof ConsultationSnapshot>;
