import { randomUUID } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
} from '@skjerm/protocol';
import type { types as mediasoupTypes } from 'mediasoup';
import { pseudonym } from '../audit/audit-log.ts';
import type { Consultation } from '../consultations/consultation.ts';
import type { SessionContext, SessionState, SignalingSession } from './session.ts';
import { SignalingError } from './signaling-error.ts';

type Handler<M extends RequestMethod> = (
  session: SignalingSession,
  params: RequestParams<M>,
  context: SessionContext,
) => Promise<RequestResult<M>>;

interface HandlerEntry<M extends RequestMethod> {
  /** The only session state in which the request makes sense. */
  state: SessionState;
  handle: Handler<M>;
}

type HandlerTable = { [M in RequestMethod]: HandlerEntry<M> };

function joined(session: SignalingSession): { consultation: Consultation; participantId: string } {
  const { consultation, participantId } = session;
  if (!consultation || !participantId) throw new SignalingError('out-of-order', 'join first');
  return { consultation, participantId };
}

/**
 * One handler per request method, each with the session state it needs. Parameters arrive
 * already validated against the protocol schema; handlers check ownership and meaning.
 */
export const handlers: HandlerTable = {
  hello: {
    state: 'greeting',
    async handle(session, { protocolVersion, token }, { authenticator, audit, metrics }) {
      if (protocolVersion !== PROTOCOL_VERSION) {
        throw new SignalingError(
          'unsupported-version',
          `this server speaks protocol version ${PROTOCOL_VERSION}, not ${protocolVersion}`,
        );
      }
      let identity: Awaited<ReturnType<typeof authenticator.verify>>;
      try {
        identity = await authenticator.verify(token);
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? 'token-invalid');
        metrics.authFailures.inc({ code });
        audit.record({ type: 'authentication-refused', detail: { code } });
        throw new SignalingError(
          'unauthenticated',
          error instanceof Error ? error.message : 'token refused',
          code,
        );
      }
      session.authenticate(identity);
      audit.record({
        type: 'session-opened',
        actor: { actor: pseudonym(identity.issuer, identity.subject), role: identity.role },
        detail: identity.assurance ? { assurance: identity.assurance } : undefined,
      });
      return {
        protocolVersion: PROTOCOL_VERSION,
        sessionId: session.id,
        name: identity.name,
        role: identity.role,
      };
    },
  },

  join: {
    state: 'ready',
    async handle(session, { consultationId, e2ee, rtpCapabilities }, { registry, audit }) {
      const identity = session.requireIdentity();
      const consultation = await registry.open(consultationId);
      const participantId = randomUUID();
      const { senderSlot, roster } = consultation.join({
        participantId,
        name: identity.name,
        role: identity.role,
        boxPublicKey: e2ee.boxPublicKey,
        signPublicKey: e2ee.signPublicKey,
        channel: session,
      });
      consultation.media.setRtpCapabilities(
        participantId,
        rtpCapabilities as unknown as mediasoupTypes.RtpCapabilities,
      );
      session.joined(consultation, participantId);
      audit.record({
        type: 'consultation-joined',
        consultationId,
        actor: session.auditActor(),
        detail: { participantId },
      });
      return {
        participantId,
        senderSlot,
        routerRtpCapabilities: consultation.media.rtpCapabilities as unknown as Record<
          string,
          unknown
        >,
        roster,
        producers: consultation.media
          .readyProducers()
          .filter((producer) => producer.participantId !== participantId),
      };
    },
  },

  createTransport: {
    state: 'joined',
    async handle(session, { direction, type }, { plainRtp }) {
      const { consultation, participantId } = joined(session);
      const kind = type ?? 'webrtc';
      if (kind === 'plain' && !plainRtp) {
        throw new SignalingError('forbidden', 'plain RTP transports are disabled on this server');
      }
      const transport = await consultation.media.createTransport(participantId, direction, kind);
      if (kind === 'plain') {
        const { tuple } = transport as mediasoupTypes.PlainTransport;
        return { transportId: transport.id, ip: tuple.localIp, port: tuple.localPort };
      }
      const webrtc = transport as mediasoupTypes.WebRtcTransport;
      return {
        transportId: webrtc.id,
        iceParameters: webrtc.iceParameters as unknown as Record<string, unknown>,
        iceCandidates: webrtc.iceCandidates as unknown as Record<string, unknown>[],
        dtlsParameters: webrtc.dtlsParameters as unknown as Record<string, unknown>,
      };
    },
  },

  connectTransport: {
    state: 'joined',
    async handle(session, { transportId, dtlsParameters, ip, port }) {
      const { consultation, participantId } = joined(session);
      if (dtlsParameters) {
        const transport = consultation.media.transportOf(participantId, transportId);
        await transport.connect({ dtlsParameters });
      } else if (ip !== undefined && port !== undefined) {
        await consultation.media.connectPlainTransport(participantId, transportId, ip, port);
      } else {
        throw new SignalingError(
          'bad-request',
          'give dtlsParameters, or ip and port for plain RTP',
        );
      }
      return {};
    },
  },

  restartIce: {
    state: 'joined',
    async handle(session, { transportId }) {
      const { consultation, participantId } = joined(session);
      const iceParameters = await consultation.media.restartIce(participantId, transportId);
      return { iceParameters: iceParameters as unknown as Record<string, unknown> };
    },
  },

  produce: {
    state: 'joined',
    async handle(session, { transportId, kind, rtpParameters, sframe }) {
      const { consultation, participantId } = joined(session);
      const slot = consultation.senderSlotOf(participantId) ?? -1;
      const producer = await consultation.media.produce(
        participantId,
        slot,
        transportId,
        kind,
        rtpParameters as unknown as mediasoupTypes.RtpParameters,
        sframe,
      );
      return { producerId: producer.id };
    },
  },

  announceKids: {
    state: 'joined',
    async handle(session, { producerId, kids }) {
      const { consultation, participantId } = joined(session);
      const slot = consultation.senderSlotOf(participantId) ?? -1;
      consultation.media.setProducerKids(participantId, slot, producerId, kids);
      return {};
    },
  },

  closeProducer: {
    state: 'joined',
    async handle(session, { producerId }) {
      const { consultation, participantId } = joined(session);
      consultation.media.closeProducer(participantId, producerId);
      return {};
    },
  },

  setProducerPaused: {
    state: 'joined',
    async handle(session, { producerId, paused }) {
      const { consultation, participantId } = joined(session);
      await consultation.media.setProducerPaused(participantId, producerId, paused);
      return {};
    },
  },

  consume: {
    state: 'joined',
    async handle(session, { transportId, producerId }) {
      const { consultation, participantId } = joined(session);
      const { consumer, ownerId } = await consultation.media.consume(
        participantId,
        transportId,
        producerId,
      );
      return {
        consumerId: consumer.id,
        producerId,
        participantId: ownerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
      };
    },
  },

  resumeConsumer: {
    state: 'joined',
    async handle(session, { consumerId }) {
      const { consultation, participantId } = joined(session);
      await consultation.media.resumeConsumer(participantId, consumerId);
      return {};
    },
  },

  relayKeys: {
    state: 'joined',
    async handle(session, { envelopes }) {
      const { consultation, participantId } = joined(session);
      return { delivered: consultation.relayKeys(participantId, envelopes) };
    },
  },

  leave: {
    state: 'joined',
    async handle(session) {
      session.leaveConsultation();
      return {};
    },
  },
};
