import type { JWK } from 'jose';
import {
  type AdapterFactory,
  type Configuration,
  type KoaContextWithOIDC,
  errors as oidcErrors,
} from 'oidc-provider';
import { type ClaimMapping, embeddedIdpAlgorithm } from './auth-config.ts';
import { loginPageSecurityPolicy, renderIdpErrorPage } from './idp-login-page.ts';
import type { TestPerson } from './test-people.ts';

/** Where the IdP is mounted in the HTTPS server; the issuer's path must be this. */
export const embeddedIdpPrefix = '/idp';

/** The Skjerm web app: a public client (no secret), so PKCE is what protects its codes. */
export const webClientId = 'skjerm-web';

/** Scope the web app asks for: OpenID plus access to the Skjerm API (the resource server). */
export const webClientScope = 'openid profile skjerm';

/** The resource-server scope every access token carries. */
const apiScope = 'skjerm';

/** The claim names the verifier reads by default (auth-config's defaults). */
export const defaultClaimMapping: ClaimMapping = {
  name: 'name',
  role: 'skjerm_role',
  nationalId: 'pid',
  assurance: 'acr',
};

/** Lifetimes, in seconds. Key rotation must be slower than the access token's. */
export const idpTtlSeconds = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 600,
  Session: 8 * 3600,
  Grant: 8 * 3600,
};

export interface IdpProviderSettings {
  issuer: string;
  audience: string;
  redirectUris: string[];
  claims: ClaimMapping;
  testPeople: readonly TestPerson[];
  /** Private signing keys, the signing one first. */
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  adapter: AdapterFactory;
}

/**
 * oidc-provider's configuration for the embedded IdP: one public client (the web app) using
 * the code flow with PKCE, JWT access tokens for the Skjerm API (RFC 8707 resource indicators,
 * RFC 9068 format) carrying the person's claims, and Skjerm's own sign-in page.
 */
export function idpProviderConfiguration(settings: IdpProviderSettings): Configuration {
  const { issuer, audience, redirectUris, claims, testPeople, jwks, cookieKeys, adapter } =
    settings;
  const origin = new URL(issuer).origin;
  // RFC 8707 resource indicator of the Skjerm API: the server itself.
  const resource = `${origin}/`;
  const people = new Map(testPeople.map((person) => [person.id, person]));

  const personClaims = (person: TestPerson): Record<string, string> => ({
    [claims.name]: person.name,
    [claims.role]: person.role,
    ...(person.nationalId ? { [claims.nationalId]: person.nationalId } : {}),
    [claims.assurance]: person.assurance,
  });
  // oidc-provider puts acr in an ID token only when a scope lists it (or it was asked for);
  // ID-porten always does. The value is the sign-in's own acr (the interaction result).
  const profileClaims = [claims.name, claims.role, claims.nationalId, claims.assurance, 'acr'];

  return {
    adapter,
    clients: [
      {
        client_id: webClientId,
        client_name: 'Skjerm',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirectUris.length > 0 ? redirectUris : [`${origin}/`],
        id_token_signed_response_alg: embeddedIdpAlgorithm,
      },
    ],
    clientDefaults: {
      id_token_signed_response_alg: embeddedIdpAlgorithm,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    jwks,
    cookies: { keys: cookieKeys },
    acrValues: ['idporten-loa-substantial', 'idporten-loa-high'],
    scopes: ['openid', 'profile'],
    claims: {
      // oidc-provider's default standalone claims, restated: this object replaces the default.
      acr: null,
      sid: null,
      auth_time: null,
      iss: null,
      openid: ['sub'],
      profile: [...new Set(profileClaims)],
    },
    // Put the profile claims in the ID token too, as ID-porten and HelseID do.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    ttl: idpTtlSeconds,
    renderError: (ctx, out) => {
      ctx.status = Math.max(ctx.status, 400);
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('content-security-policy', loginPageSecurityPolicy);
      ctx.body = renderIdpErrorPage(`${out.error}: ${out.error_description ?? ''}`);
    },
    findAccount: (_ctx, sub) => {
      const person = people.get(sub);
      if (!person) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...personClaims(person) }) };
    },
    // JWT access tokens (RFC 9068) carry the same identity claims the verifier maps.
    extraTokenClaims: (_ctx, token) => {
      const person = 'accountId' in token ? people.get(token.accountId) : undefined;
      return person ? personClaims(person) : undefined;
    },
    interactions: {
      url: (_ctx, interaction) => `${embeddedIdpPrefix}/interaction/${interaction.uid}`,
    },
    // The web app is first-party: signing in is consent, so grant its whole scope at once.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId,
      });
      grant.addOIDCScope('openid profile');
      grant.addResourceScope(resource, apiScope);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new oidcErrors.InvalidTarget();
          return {
            scope: apiScope,
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: idpTtlSeconds.AccessToken,
            jwt: { sign: { alg: embeddedIdpAlgorithm } },
          };
        },
      },
    },
  };
}
