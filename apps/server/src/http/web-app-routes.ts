import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RefusalAudit } from '../audit/refusal-audit.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { bearerAuthenticator } from './bearer-auth.ts';

export interface WebAppRoutesOptions {
  /** The built app (apps/web/dist): index.html and assets/. */
  webDir: string;
  /** Where people sign in; the app runs the code flow with PKCE against it. */
  signIn: () => { issuer: string; clientId: string; scope: string };
  verifier: TokenVerifier;
  refusals: RefusalAudit;
  onAuthFailure: (code: string) => void;
  /** Send HSTS: only with a real certificate (a self-signed one is for trying things out). */
  strictTransportSecurity: boolean;
}

/** The app's own addresses; each answers with the one page, which routes in the browser. */
const APP_PATHS = ['/', '/join', '/consultations/:id'];

/**
 * Nothing but this origin: scripts, styles, workers, media and connections (the signaling
 * WebSocket is same-origin, which 'self' covers), plus the identity provider's origin for the
 * token exchange. No inline script or style, no framing (click-jacking the admit button).
 * 'wasm-unsafe-eval' lets libsodium compile its WebAssembly; it allows no JavaScript eval.
 */
export function webAppSecurityPolicy(issuer: string): string {
  const idp = new URL(issuer).origin;
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ${idp}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action 'self' ${idp}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

/** For the page and its assets alike: a worker script runs under its own response's CSP. */
function securityHeaders(reply: FastifyReply, issuer: string, hsts: boolean): void {
  reply.header('content-security-policy', webAppSecurityPolicy(issuer));
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('permissions-policy', 'camera=(self), microphone=(self), geolocation=()');
  if (hsts) reply.header('strict-transport-security', 'max-age=31536000');
}

/**
 * Serves the web app (no CDN: everything from this server), its sign-in settings
 * (/api/web-config) and who the token belongs to (/api/me).
 */
export async function webAppRoutes(app: FastifyInstance, options: WebAppRoutesOptions) {
  const { webDir, signIn } = options;
  const authenticate = bearerAuthenticator(options);

  app.get('/api/web-config', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return signIn();
  });

  app.get('/api/me', async (request, reply) => {
    const identity = await authenticate(request, reply);
    if (!identity) return reply;
    reply.header('cache-control', 'no-store');
    // Not the identity number: the app has no use for it, so it is not sent.
    return { name: identity.name, role: identity.role };
  });

  const index = join(webDir, 'index.html');
  if (!existsSync(index)) {
    app.log.warn(
      { webDir },
      'the web app is not built: run `npm start` (or pnpm --filter @skjerm/web build)',
    );
    for (const path of APP_PATHS) {
      app.get(path, async (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(
            'The Skjerm web app is not built. Start the server with `npm start`, which builds it.\n',
          ),
      );
    }
    return;
  }

  await app.register(fastifyStatic, {
    root: join(webDir, 'assets'),
    prefix: '/assets/',
    // The bundles' names do not change between builds: browsers must ask again.
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders: (response) => {
      response.header('cache-control', 'no-cache');
      securityHeaders(response, signIn().issuer, options.strictTransportSecurity);
    },
  });

  for (const path of APP_PATHS) {
    app.get(path, async (_request, reply) => {
      securityHeaders(reply, signIn().issuer, options.strictTransportSecurity);
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', webDir);
    });
  }
}
