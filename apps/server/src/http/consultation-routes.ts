import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  BookingRequest,
  type BookingResponse,
  BookingUpdate,
  type ConsultationSummary,
} from '@skjerm/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuditLog, pseudonym } from '../audit/audit-log.ts';
import type { RefusalAudit } from '../audit/refusal-audit.ts';
import type { VerifiedIdentity } from '../auth/identity.ts';
import { isWellFormedNationalId } from '../auth/national-id.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { ConsultationStore } from '../storage/consultation-store.ts';
import { StorageError } from '../storage/storage-errors.ts';
import { bearerAuthenticator, problem } from './bearer-auth.ts';

export interface ConsultationRoutesOptions {
  store: ConsultationStore;
  audit: AuditLog;
  verifier: TokenVerifier;
  /** The origin invite links point to. */
  publicUrl: () => string;
  onAuthFailure: (code: string) => void;
  refusals: RefusalAudit;
}

const bookingRequest = TypeCompiler.Compile(BookingRequest);
const bookingUpdate = TypeCompiler.Compile(BookingUpdate);

function summary(consultation: ConsultationSummary): ConsultationSummary {
  const { id, title, startsAt, mode, interpreter, status } = consultation;
  return { id, title, startsAt, mode, interpreter, status };
}

/**
 * The clinicians' REST API. Every call carries `Authorization: Bearer <token>`, verified like
 * a signaling hello; only clinicians book, and each sees only the consultations they belong to.
 */
export async function consultationRoutes(app: FastifyInstance, options: ConsultationRoutesOptions) {
  const { store, audit } = options;

  const authenticate = bearerAuthenticator(options);

  /** The person, if a clinician; otherwise the reply is sent and the result is undefined. */
  async function clinician(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<VerifiedIdentity | undefined> {
    const identity = await authenticate(request, reply);
    if (!identity) return undefined;
    if (identity.role !== 'clinician' && identity.role !== 'observer-clinician') {
      problem(reply, 403, 'forbidden', 'only clinicians use this API');
      return undefined;
    }
    return identity;
  }

  const actor = (identity: VerifiedIdentity) => ({
    actor: pseudonym(identity.issuer, identity.subject),
    role: identity.role,
  });

  /** The consultation if this clinician belongs to it; the same 404 otherwise (no probing). */
  function own(identity: VerifiedIdentity, id: string, reply: FastifyReply) {
    const consultation = store.get(id);
    if (!consultation || !store.isClinicianOf(id, identity.issuer, identity.subject)) {
      problem(reply, 404, 'not-found', 'no such consultation of yours');
      return undefined;
    }
    return consultation;
  }

  app.post('/api/consultations', async (request, reply) => {
    const identity = await clinician(request, reply);
    if (!identity) return reply;
    if (identity.role !== 'clinician')
      return problem(reply, 403, 'forbidden', 'observers cannot book');
    const body = request.body;
    if (!bookingRequest.Check(body)) {
      const first = bookingRequest.Errors(body).First();
      return problem(
        reply,
        400,
        'bad-request',
        `invalid booking${first?.path ? ` at ${first.path}` : ''}: ${first?.message ?? 'schema mismatch'}`,
      );
    }
    if (Number.isNaN(Date.parse(body.startsAt))) {
      return problem(reply, 400, 'bad-request', 'startsAt must be an ISO 8601 date and time');
    }
    if (body.mode === 'consultation' && body.patients.length !== 1) {
      return problem(
        reply,
        400,
        'bad-request',
        'a consultation has exactly one patient; use group mode for more',
      );
    }
    const badId = [...body.patients, ...(body.relatives ?? [])].findIndex(
      (person) => person.nationalId !== undefined && !isWellFormedNationalId(person.nationalId),
    );
    if (badId >= 0) {
      return problem(
        reply,
        400,
        'bad-request',
        `identity number ${badId + 1} is not a valid fødselsnummer, D-nummer or personnummer`,
      );
    }
    let booked: ReturnType<ConsultationStore['create']>;
    try {
      booked = store.create({
        title: body.title,
        startsAt: new Date(body.startsAt).toISOString(),
        mode: body.mode,
        interpreter: body.interpreter ?? false,
        createdBy: { issuer: identity.issuer, subject: identity.subject, name: identity.name },
        coClinicians: (body.coClinicians ?? []).map((c) => ({ ...c, issuer: identity.issuer })),
        invitees: [
          // In group mode patients see each other only by display name: never default to the
          // real name.
          ...body.patients.map((p, i) => ({
            role: 'patient' as const,
            ...p,
            ...(body.mode === 'group' && !p.displayName
              ? { displayName: `Deltaker ${i + 1}` }
              : {}),
          })),
          ...(body.relatives ?? []).map((r) => ({ role: 'relative' as const, ...r })),
          ...(body.interpreter
            ? [{ role: 'interpreter' as const, name: 'Tolk / Interpreter' }]
            : []),
        ],
      });
    } catch (error) {
      if (error instanceof StorageError && error.code === 'invalid-booking') {
        return problem(reply, 400, 'bad-request', error.message);
      }
      throw error;
    }
    const { consultation, invites } = booked;
    audit.record({
      type: 'consultation-created',
      consultationId: consultation.id,
      actor: actor(identity),
      outcome: 'success',
      detail: { mode: body.mode, invitees: invites.length },
    });
    const response: BookingResponse = {
      consultation: summary(consultation),
      invites: invites.map(({ inviteeId, role, name, secret }) => ({
        inviteeId,
        role,
        name,
        url: `${options.publicUrl()}/join#${secret}`,
      })),
    };
    return reply.code(201).send(response);
  });

  app.get('/api/consultations', async (request, reply) => {
    const identity = await clinician(request, reply);
    if (!identity) return reply;
    return {
      consultations: store.listForClinician(identity.issuer, identity.subject).map(summary),
    };
  });

  app.get<{ Params: { id: string } }>('/api/consultations/:id', async (request, reply) => {
    const identity = await clinician(request, reply);
    if (!identity) return reply;
    const consultation = own(identity, request.params.id, reply);
    if (!consultation) return reply;
    // The answer holds identity numbers: reading it is an access like any other.
    audit.record({
      type: 'consultation-viewed',
      consultationId: consultation.id,
      actor: actor(identity),
      outcome: 'success',
    });
    return {
      consultation: summary(consultation),
      clinicians: store.clinicians(consultation.id).map(({ name, role }) => ({ name, role })),
      invitees: store
        .invitees(consultation.id)
        .map(({ id, role, name, displayName, nationalId, openedAt }) => ({
          inviteeId: id,
          role,
          name,
          displayName,
          nationalId,
          openedAt,
        })),
    };
  });

  app.patch<{ Params: { id: string } }>('/api/consultations/:id', async (request, reply) => {
    const identity = await clinician(request, reply);
    if (!identity) return reply;
    if (identity.role !== 'clinician') {
      return problem(reply, 403, 'forbidden', 'observers cannot change bookings');
    }
    const consultation = own(identity, request.params.id, reply);
    if (!consultation) return reply;
    const body = request.body;
    if (!bookingUpdate.Check(body)) {
      return problem(reply, 400, 'bad-request', 'give a new title and/or startsAt, nothing else');
    }
    if (body.startsAt !== undefined && Number.isNaN(Date.parse(body.startsAt))) {
      return problem(reply, 400, 'bad-request', 'startsAt must be an ISO 8601 date and time');
    }
    if (consultation.status === 'ended') {
      return problem(reply, 409, 'consultation-ended', 'an ended consultation cannot be changed');
    }
    const updated = store.update(consultation.id, {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.startsAt !== undefined ? { startsAt: new Date(body.startsAt).toISOString() } : {}),
    });
    audit.record({
      type: 'consultation-changed',
      consultationId: consultation.id,
      actor: actor(identity),
      outcome: 'success',
      detail: { fields: Object.keys(body).sort().join(',') },
    });
    return { consultation: summary(updated) };
  });

  app.get<{ Params: { id: string } }>('/api/consultations/:id/audit', async (request, reply) => {
    const identity = await clinician(request, reply);
    if (!identity) return reply;
    const consultation = own(identity, request.params.id, reply);
    if (!consultation) return reply;
    const entries = audit.export(consultation.id);
    audit.record({
      type: 'audit-exported',
      consultationId: consultation.id,
      actor: actor(identity),
      outcome: 'success',
    });
    return { entries };
  });
}
