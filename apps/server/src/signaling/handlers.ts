import {
  PROTOCOL_VERSION,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
} from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import { pseudonym } from '../audit/audit-log.ts';
import type { VerifiedIdentity } from '../auth/identity.ts';
import { inviteeMatches } from '../consultations/booking.ts';
import type { Arrival, Consultation } from '../consultations/consultation.ts';
import { RequestError } from '../lib/request-error.ts';
import type { RestoredPlace, SessionContext, SessionState, SignalingSession } from './session.ts';

type Handler<M extends RequestMethod> = (
  session: SignalingSession,
  params: RequestParams<M>,
  context: SessionContext,
) => Promise<RequestResult<M>>;

interface HandlerEntry<M extends RequestMethod> {
  /** The session states in which the request makes sense. */
  states: readonly SessionState[];
  handle: Handler<M>;
}

type HandlerTable = { [M in RequestMethod]: HandlerEntry<M> };

/**
 * The invite's booking and invitee, if the signed-in person is the one invited. A wrong
 * person is refused and audited (entydig identifisering); an unknown invite looks the same
 * as any other refusal, so invites cannot be probed.
 */
function checkInvite(session: SignalingSession, invite: string, context: SessionContext) {
  const identity = session.requireIdentity();
  const { store } = context.registry;
  const found = store.findInvite(invite);
  if (!found) {
    context.audit.record({
      type: 'invite-refused',
      actor: session.auditActor(),
      outcome: 'refused',
      detail: { reason: 'unknown-invite' },
    });
    throw new RequestError('not-found', 'this invite is not valid');
  }
  const { consultation: booking, invitee } = found;
  if (!inviteeMatches(invitee, identity)) {
    context.audit.record({
      type: 'identity-mismatch',
      consultationId: booking.id,
      actor: session.auditActor(),
      outcome: 'refused',
      detail: { inviteeId: invitee.id },
    });
    throw new RequestError(
      'forbidden',
      'this invite is for someone else: sign in as the person it was sent to',
      'identity-mismatch',
    );
  }
  if (booking.status === 'ended') {
    throw new RequestError('consultation-ended', 'this consultation has ended');
  }
  store.markInviteOpened(invitee.id, new Date());
  context.audit.record({
    type: 'invite-opened',
    consultationId: booking.id,
    actor: session.auditActor(),
    outcome: 'success',
    detail: { inviteeId: invitee.id },
  });
  return { booking, invitee };
}

function joined(session: SignalingSession): { consultation: Consultation; participantId: string } {
  const { consultation, participantId } = session;
  if (!consultation || !participantId) throw new RequestError('out-of-order', 'join first');
  return { consultation, participantId };
}

/** A session may go on this long on the token it began with, through resumes. */
const MAX_SESSION_AGE_ON_EXPIRED_TOKEN_MS = 12 * 3600_000;

/**
 * A call may outlast its access token (an hour, typically), and a client can reconnect only
 * with the token it has. An expired token still resumes the session it began, judged at the
 * time that session authenticated: only that session (the resume token must match), only
 * the same person, only within MAX_SESSION_AGE_ON_EXPIRED_TOKEN_MS. Anything else needs a
 * fresh sign-in.
 */
async function verifyForResume(
  candidate: Pick<SignalingSession, 'authenticatedAt' | 'closed' | 'isSessionOf'>,
  token: string,
  context: SessionContext,
): Promise<VerifiedIdentity | undefined> {
  const since = candidate.authenticatedAt;
  if (!since || candidate.closed) return undefined;
  if (Date.now() - since.getTime() > MAX_SESSION_AGE_ON_EXPIRED_TOKEN_MS) return undefined;
  const identity = await context.authenticator
    .verify(token, { validAt: since })
    .catch(() => undefined);
  return identity && candidate.isSessionOf(identity) ? identity : undefined;
}

/** A taken-over place judged for an expired token as a live session would be. */
function restoredCandidate(place: RestoredPlace) {
  return {
    authenticatedAt: place.authenticatedAt,
    closed: false,
    isSessionOf: (identity: VerifiedIdentity) =>
      identity.issuer === place.issuer && identity.subject === place.subject,
  };
}

/**
 * One handler per request method, each with the session state it needs. Parameters arrive
 * already validated against the protocol schema; handlers check ownership and meaning.
 */
export const handlers: HandlerTable = {
  hello: {
    states: ['greeting'],
    async handle(session, { protocolVersion, token, resume }, context) {
      const { authenticator, audit, metrics } = context;
      if (protocolVersion !== PROTOCOL_VERSION) {
        throw new RequestError(
          'unsupported-version',
          `this server speaks protocol version ${PROTOCOL_VERSION}, not ${protocolVersion}`,
        );
      }
      // A hello replayed by the node that handed this connection over was judged there: its
      // resume (if any) was not found, so it resumes nothing here either.
      const resumeToken = session.replayingHello ? undefined : resume;
      const local = resumeToken === undefined ? undefined : context.resumable.get(resumeToken);
      // Not known here: on another signaling node (the connection is handed there), or on
      // one that died (its consultation is taken over here).
      const restored =
        !local && resumeToken !== undefined
          ? await context.cluster?.routeResume(resumeToken)
          : undefined;
      const candidate = local ?? (restored ? restoredCandidate(restored) : undefined);
      let identity: Awaited<ReturnType<typeof authenticator.verify>>;
      let expiredToken = false;
      try {
        identity = await authenticator.verify(token);
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? 'token-invalid');
        const retried =
          code === 'token-expired' && candidate
            ? await verifyForResume(candidate, token, context)
            : undefined;
        if (!retried) {
          metrics.authFailures.inc({ code });
          context.refusals.record(code, 'signaling');
          throw new RequestError(
            'unauthenticated',
            error instanceof Error ? error.message : 'token refused',
            code,
          );
        }
        identity = retried;
        expiredToken = true;
      }
      session.authenticate(identity);
      // Looked up again: the session may have been taken over while the token was checked.
      const previous = resumeToken === undefined ? undefined : context.resumable.get(resumeToken);
      const resumed = previous
        ? session.resume(previous)
        : restored
          ? session.resumeRestored(restored)
          : undefined;
      if (expiredToken && !resumed) {
        // The expired token was allowed for this resume only.
        metrics.authFailures.inc({ code: 'token-expired' });
        throw new RequestError(
          'unauthenticated',
          'the token has expired: sign in again',
          'token-expired',
        );
      }
      // The place taken over is this session's now: the old token must not take it again.
      if (restored && resumed && resumeToken !== undefined) context.cluster?.consumed(resumeToken);
      // A hello replayed by the node that handed this connection over was audited there.
      if (!session.replayingHello) {
        audit.record({
          type: 'authenticated',
          outcome: 'success',
          actor: { actor: pseudonym(identity.issuer, identity.subject), role: identity.role },
          detail: {
            ...(identity.assurance ? { assurance: identity.assurance } : {}),
            ...(expiredToken ? { expiredTokenResumed: true } : {}),
          },
        });
      }
      if (resumed) {
        audit.record({
          type: 'session-resumed',
          consultationId: resumed.consultationId,
          actor: session.auditActor(),
          outcome: 'success',
        });
      }
      return {
        protocolVersion: PROTOCOL_VERSION,
        sessionId: session.id,
        name: identity.name || identity.role,
        role: identity.role,
        resumeToken: session.resumeToken,
        ...(resumed ? { resumed } : {}),
      };
    },
  },

  inspectInvite: {
    states: ['ready'],
    async handle(session, { invite }, context) {
      const { booking, invitee } = checkInvite(session, invite, context);
      const store = context.registry.store;
      const invitees = store.invitees(booking.id);
      return {
        consultationId: booking.id,
        title: booking.title,
        startsAt: booking.startsAt,
        mode: booking.mode,
        clinicians: store.clinicians(booking.id).map((c) => c.name),
        otherPatients:
          booking.mode === 'group'
            ? invitees.filter((i) => i.role === 'patient' && i.id !== invitee.id).length
            : 0,
      };
    },
  },

  join: {
    states: ['ready'],
    async handle(session, params, context) {
      const identity = session.requireIdentity();
      const { registry, audit } = context;
      const { issuer, subject, name, role, nationalId, assurance } = identity;
      const arrival: Arrival = {
        issuer,
        subject,
        name,
        role,
        ...(nationalId !== undefined ? { nationalId } : {}),
        ...(assurance !== undefined ? { assurance } : {}),
        boxPublicKey: params.e2ee.boxPublicKey,
        signPublicKey: params.e2ee.signPublicKey,
        rtpCapabilities: params.rtpCapabilities as unknown as mediasoupTypes.RtpCapabilities,
        channel: session,
      };
      if (params.invite !== undefined && params.consultationId === undefined) {
        // Routed first: the node holding the consultation checks (and audits) the invite.
        const invited = registry.store.findInvite(params.invite);
        if (invited) await context.cluster?.routeJoin(invited.consultation.id);
        const { booking, invitee } = checkInvite(session, params.invite, context);
        if (booking.mode === 'group' && invitee.role === 'patient' && !params.confirmGroup) {
          throw new RequestError(
            'confirmation-required',
            'this is a group session: confirm that you join with the other patients',
          );
        }
        const consultation = await registry.open(booking.id);
        // The connection may have closed while the room opened: then nobody arrives.
        if (session.closed) throw new RequestError('out-of-order', 'the connection closed');
        const { waitingId, clinicians } = consultation.arrive(invitee, arrival);
        session.waiting(consultation, waitingId);
        audit.record({
          type: 'waiting',
          consultationId: booking.id,
          actor: session.auditActor(),
          outcome: 'success',
          detail: { inviteeId: invitee.id },
        });
        return {
          status: 'waiting' as const,
          consultationId: booking.id,
          title: booking.title,
          clinicians,
        };
      }
      if (params.consultationId === undefined || params.invite !== undefined) {
        throw new RequestError('bad-request', 'join with either a consultationId or an invite');
      }
      // Clinicians enter their own consultations from their list; nobody else may by id.
      const booking = registry.store.get(params.consultationId);
      const clinician = booking
        ? registry.store
            .clinicians(booking.id)
            .find((c) => c.issuer === identity.issuer && c.subject === identity.subject)
        : undefined;
      if (!booking || !clinician) {
        audit.record({
          type: 'join-refused',
          actor: session.auditActor(),
          outcome: 'refused',
          detail: { reason: 'not-a-clinician-of-consultation' },
        });
        // The same answer whether or not the consultation exists: ids cannot be probed.
        throw new RequestError('not-found', 'no such consultation of yours');
      }
      if (booking.status === 'ended') {
        throw new RequestError('consultation-ended', 'this consultation has ended');
      }
      await context.cluster?.routeJoin(booking.id);
      const consultation = await registry.open(booking.id);
      if (session.closed) throw new RequestError('out-of-order', 'the connection closed');
      if (consultation.wasRemoved(identity.issuer, identity.subject)) {
        throw new RequestError('forbidden', 'a host removed you from this consultation');
      }
      const joined = consultation.enterAsClinician(clinician, arrival);
      session.admitted(consultation, joined.participantId);
      audit.record({
        type: 'joined',
        consultationId: booking.id,
        actor: session.auditActor(),
        outcome: 'success',
        detail: { participantId: joined.participantId },
      });
      return joined;
    },
  },

  confirmSafetyCode: {
    states: ['joined'],
    async handle(session, _params, { audit }) {
      const { consultation, participantId } = joined(session);
      consultation.confirmSafetyCode(participantId);
      audit.record({
        type: 'safety-code-confirmed',
        consultationId: consultation.id,
        actor: session.auditActor(),
        outcome: 'success',
      });
      return {};
    },
  },

  admit: {
    states: ['joined'],
    async handle(session, { waitingId }, { audit }) {
      const { consultation, participantId } = joined(session);
      const admitted = consultation.admit(participantId, waitingId);
      audit.record({
        type: 'admitted',
        consultationId: consultation.id,
        actor: session.auditActor(),
        outcome: 'success',
        detail: admitted,
      });
      return {};
    },
  },

  deny: {
    states: ['joined'],
    async handle(session, { waitingId }, { audit }) {
      const { consultation, participantId } = joined(session);
      consultation.deny(participantId, waitingId);
      audit.record({
        type: 'denied',
        consultationId: consultation.id,
        actor: session.auditActor(),
        outcome: 'success',
        detail: { waitingId },
      });
      return {};
    },
  },

  mute: {
    states: ['joined'],
    async handle(session, { participantId: target, kind }, { audit }) {
      const { consultation, participantId } = joined(session);
      await consultation.mute(participantId, target, kind);
      audit.record({
        type: 'muted',
        consultationId: consultation.id,
        actor: session.auditActor(),
        outcome: 'success',
        detail: { participantId: target, kind },
      });
      return {};
    },
  },

  remove: {
    states: ['joined'],
    async handle(session, { participantId: target }, { audit }) {
      const { consultation, participantId } = joined(session);
      consultation.remove(participantId, target);
      audit.record({
        type: 'removed',
        consultationId: consultation.id,
        actor: session.auditActor(),
        outcome: 'success',
        detail: { participantId: target },
      });
      return {};
    },
  },

  end: {
    states: ['joined'],
    async handle(session, _params, { audit }) {
      const { consultation, participantId } = joined(session);
      consultation.end(participantId);
      audit.record({
        type: 'consultation-ended',
        consultationId: consultation.id,
        actor: session.auditActor(),
        outcome: 'success',
      });
      return {};
    },
  },

  createTransport: {
    states: ['joined'],
    async handle(session, { direction, type, srtp }, { plainRtp, turn }) {
      const { consultation, participantId } = joined(session);
      const kind = type ?? 'webrtc';
      if (kind === 'plain' && !plainRtp) {
        throw new RequestError('forbidden', 'plain RTP transports are disabled on this server');
      }
      const transport = await consultation.media.createTransport(
        participantId,
        direction,
        kind,
        srtp ?? false,
      );
      if (transport.type === 'plain') {
        const { id, ip, port, srtpParameters } = transport;
        return {
          transportId: id,
          ip,
          port,
          ...(srtpParameters
            ? {
                srtpParameters: {
                  cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const,
                  keyBase64: srtpParameters.keyBase64,
                },
              }
            : {}),
        };
      }
      return {
        transportId: transport.id,
        iceParameters: transport.iceParameters as unknown as Record<string, unknown>,
        iceCandidates: transport.iceCandidates as unknown as Record<string, unknown>[],
        dtlsParameters: transport.dtlsParameters as unknown as Record<string, unknown>,
        iceServers: turn.iceServers(session.id),
      };
    },
  },

  connectTransport: {
    states: ['joined'],
    async handle(session, { transportId, dtlsParameters, ip, port, srtpParameters }) {
      const { consultation, participantId } = joined(session);
      if (dtlsParameters) {
        await consultation.media.connectTransport(
          participantId,
          transportId,
          dtlsParameters as unknown as mediasoupTypes.DtlsParameters,
        );
      } else if ((ip !== undefined && port !== undefined) || srtpParameters) {
        await consultation.media.connectPlainTransport(participantId, transportId, {
          ...(ip !== undefined ? { ip } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(srtpParameters ? { srtpParameters } : {}),
        });
      } else {
        throw new RequestError(
          'bad-request',
          'give dtlsParameters, or ip and port (and srtpParameters) for plain RTP',
        );
      }
      return {};
    },
  },

  restartIce: {
    states: ['joined'],
    async handle(session, { transportId }, { turn }) {
      const { consultation, participantId } = joined(session);
      const iceParameters = await consultation.media.restartIce(participantId, transportId);
      return {
        iceParameters: iceParameters as unknown as Record<string, unknown>,
        // A call that restarts ICE hours in may hold relay credentials that have expired.
        iceServers: turn.iceServers(session.id),
      };
    },
  },

  produce: {
    states: ['joined'],
    async handle(session, { transportId, kind, rtpParameters, sframe }) {
      const { consultation, participantId } = joined(session);
      const slot = consultation.senderSlotOf(participantId) ?? -1;
      const { producerId } = await consultation.media.produce(
        participantId,
        slot,
        transportId,
        kind,
        rtpParameters as unknown as mediasoupTypes.RtpParameters,
        sframe,
      );
      return { producerId };
    },
  },

  announceKids: {
    states: ['joined'],
    async handle(session, { producerId, kids }) {
      const { consultation, participantId } = joined(session);
      const slot = consultation.senderSlotOf(participantId) ?? -1;
      await consultation.media.setProducerKids(participantId, slot, producerId, kids);
      return {};
    },
  },

  closeProducer: {
    states: ['joined'],
    async handle(session, { producerId }) {
      const { consultation, participantId } = joined(session);
      await consultation.media.closeProducer(participantId, producerId);
      return {};
    },
  },

  setProducerPaused: {
    states: ['joined'],
    async handle(session, { producerId, paused }) {
      const { consultation, participantId } = joined(session);
      await consultation.setProducerPaused(participantId, producerId, paused);
      return {};
    },
  },

  consume: {
    states: ['joined'],
    async handle(session, { transportId, producerId }) {
      const { consultation, participantId } = joined(session);
      const consumer = await consultation.media.consume(participantId, transportId, producerId);
      return {
        consumerId: consumer.consumerId,
        producerId,
        participantId: consumer.ownerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
      };
    },
  },

  resumeConsumer: {
    states: ['joined'],
    async handle(session, { consumerId }) {
      const { consultation, participantId } = joined(session);
      await consultation.media.resumeConsumer(participantId, consumerId);
      return {};
    },
  },

  relayKeys: {
    states: ['joined'],
    async handle(session, { envelopes }) {
      const { consultation, participantId } = joined(session);
      return { delivered: consultation.relayKeys(participantId, envelopes) };
    },
  },

  leave: {
    states: ['joined', 'waiting'],
    async handle(session) {
      session.leaveConsultation();
      return {};
    },
  },
};
