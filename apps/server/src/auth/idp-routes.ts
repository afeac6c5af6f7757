import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import {
  loginFormFields,
  loginPageSecurityPolicy,
  renderIdpErrorPage,
  renderLoginPage,
} from './idp-login-page.ts';
import { embeddedIdpPrefix } from './idp-provider-config.ts';
import type { TestPerson } from './test-people.ts';

/** What the routes need of the IdP. */
export interface IdpRouteTarget {
  readonly provider: Provider;
  readonly testPeople: readonly TestPerson[];
  /** Hands a raw request to oidc-provider. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

/**
 * The IdP's routes, in their own plugin scope: the sign-in page (which parses its form), and
 * everything else handed untouched to oidc-provider, which reads request bodies itself.
 */
export async function registerIdpRoutes(
  scope: FastifyInstance,
  idp: IdpRouteTarget,
): Promise<void> {
  await scope.register(async (interactions) => registerInteractionRoutes(interactions, idp));
  await scope.register(async (passthrough) => {
    passthrough.removeAllContentTypeParsers();
    // Leave the body stream unread for oidc-provider.
    passthrough.addContentTypeParser('*', (_request, _payload, done) => done(null));
    passthrough.route({
      method: ['GET', 'POST', 'OPTIONS'],
      url: '/*',
      handler: async (request, reply) => {
        reply.hijack();
        await idp.handle(request.raw, reply.raw);
      },
    });
  });
}

async function registerInteractionRoutes(scope: FastifyInstance, idp: IdpRouteTarget) {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  scope.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
    const interaction = await findInteraction(idp, request.raw, reply.raw, request.params.uid);
    if (!interaction) return sendDeadEnd(reply);
    return sendHtml(
      reply,
      200,
      renderLoginPage({
        action: `${embeddedIdpPrefix}/interaction/${interaction.uid}/login`,
        clientName: 'Skjerm',
        people: idp.testPeople,
      }),
    );
  });

  scope.post<{ Params: { uid: string }; Body: Record<string, string> | undefined }>(
    '/interaction/:uid/login',
    async (request, reply) => {
      const interaction = await findInteraction(idp, request.raw, reply.raw, request.params.uid);
      if (!interaction) return sendDeadEnd(reply);
      const body = request.body ?? {};
      if (body[loginFormFields.cancel]) {
        const returnTo = await idp.provider.interactionResult(
          request.raw,
          reply.raw,
          { error: 'access_denied', error_description: 'the sign-in was cancelled' },
          { mergeWithLastSubmission: false },
        );
        return reply.redirect(returnTo, 303);
      }
      const person = idp.testPeople.find(({ id }) => id === body[loginFormFields.person]);
      if (!person || interaction.prompt.name !== 'login') {
        return sendHtml(reply, 400, renderIdpErrorPage('Ukjent person / unknown person.'));
      }
      const returnTo = await idp.provider.interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: person.id, acr: person.assurance, amr: ['test'], remember: false } },
        { mergeWithLastSubmission: false },
      );
      return reply.redirect(returnTo, 303);
    },
  );
}

/** The interaction named by the cookie, if it is the one in the URL and still alive. */
async function findInteraction(
  idp: IdpRouteTarget,
  request: IncomingMessage,
  response: ServerResponse,
  uid: string,
) {
  try {
    const interaction = await idp.provider.interactionDetails(request, response);
    return interaction.uid === uid ? interaction : undefined;
  } catch (error) {
    if (error instanceof oidcErrors.SessionNotFound) return undefined;
    throw error;
  }
}

function sendDeadEnd(reply: FastifyReply) {
  return sendHtml(
    reply,
    400,
    renderIdpErrorPage(
      'Innloggingen er utløpt eller allerede fullført; start på nytt fra Skjerm. / The sign-in expired or was already completed; start again from Skjerm.',
    ),
  );
}

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', loginPageSecurityPolicy)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(html);
}
