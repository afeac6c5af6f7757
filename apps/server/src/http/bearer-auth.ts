import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RefusalAudit } from '../audit/refusal-audit.ts';
import { AuthError } from '../auth/auth-errors.ts';
import type { VerifiedIdentity } from '../auth/identity.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';

export interface BearerAuthOptions {
  verifier: TokenVerifier;
  /** Refusals are audited through it, capped: unauthenticated callers cannot flood the log. */
  refusals: RefusalAudit;
  onAuthFailure: (code: string) => void;
}

/** `{ code, message }`, the shape every /api error has. */
export function problem(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ code, message });
}

/**
 * Verifies `Authorization: Bearer <token>` like a signaling hello. On refusal the reply is
 * sent (401/403 with the verifier's reason), the refusal is audited (capped) and counted, and
 * the result is undefined.
 */
export function bearerAuthenticator(options: BearerAuthOptions) {
  const { verifier, refusals, onAuthFailure } = options;
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<VerifiedIdentity | undefined> => {
    const header = request.headers.authorization ?? '';
    // The scheme is case-insensitive (RFC 9110 §11.1).
    const token = /^bearer /i.test(header) ? header.slice(7).trim() : '';
    try {
      if (!token) throw new AuthError('token-missing');
      return await verifier.verify(token);
    } catch (error) {
      // Anything but a refused token is the server's problem: fastify's error handler answers
      // 500 without details, and the client keeps its sign-in.
      if (!(error instanceof AuthError)) throw error;
      onAuthFailure(error.code);
      refusals.record(error.code, 'api');
      problem(reply, error.statusCode, 'unauthenticated', error.message);
      return undefined;
    }
  };
}
