import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { AuthError } from '../auth/auth-errors.ts';
import type { VerifiedIdentity } from '../auth/identity.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';

export interface BearerAuthOptions {
  verifier: TokenVerifier;
  audit: AuditLog;
  onAuthFailure: (code: string) => void;
}

/** `{ code, message }`, the shape every /api error has. */
export function problem(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ code, message });
}

/**
 * Verifies `Authorization: Bearer <token>` like a signaling hello. On refusal the reply is
 * sent (401/403 with the verifier's reason), the refusal is audited and counted, and the
 * result is undefined.
 */
export function bearerAuthenticator(options: BearerAuthOptions) {
  const { verifier, audit, onAuthFailure } = options;
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<VerifiedIdentity | undefined> => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    try {
      if (!token) throw new AuthError('token-missing');
      return await verifier.verify(token);
    } catch (error) {
      const code = error instanceof AuthError ? error.code : 'token-malformed';
      onAuthFailure(code);
      audit.record({
        type: 'authentication-refused',
        outcome: 'refused',
        detail: { code, via: 'api' },
      });
      const status = error instanceof AuthError ? error.statusCode : 401;
      problem(
        reply,
        status,
        'unauthenticated',
        error instanceof Error ? error.message : 'token refused',
      );
      return undefined;
    }
  };
}
