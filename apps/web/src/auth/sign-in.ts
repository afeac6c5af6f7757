/**
 * Sign-in with OpenID Connect, the authorization-code flow with PKCE for a public client
 * (oauth4webapi does the protocol checks: state, issuer, nonce, ID token claims).
 *
 * The flow leaves the page, so what it needs on the way back (verifier, state, nonce, where to
 * return) waits in sessionStorage: per tab, gone when the tab closes. The access token is kept
 * there too and nowhere else; it never goes into a URL or a log.
 */
import * as oauth from 'oauth4webapi';
import type { WebConfig } from './web-config.ts';

const PENDING_KEY = 'skjerm.sign-in';
const SESSION_KEY = 'skjerm.session';
/** Stop using a token this long before it expires, so no request carries a dying token. */
const EXPIRY_MARGIN_MS = 60_000;

export interface SignedIn {
  readonly accessToken: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly returnTo: string;
}

export class SignInError extends Error {
  override name = 'SignInError';
}

const redirectUri = () => `${location.origin}/`;

async function authorizationServer(config: WebConfig): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(config.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc' });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** Leaves for the identity provider; comes back to `/` with a code, then to `returnTo`. */
export async function beginSignIn(config: WebConfig, returnTo: string): Promise<void> {
  const as = await authorizationServer(config);
  if (!as.authorization_endpoint) throw new SignInError('the issuer has no authorization endpoint');
  const pending: PendingSignIn = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: config.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/** True when this URL is the identity provider sending someone back. */
export function isSignInCallback(url: URL): boolean {
  return url.pathname === '/' && (url.searchParams.has('code') || url.searchParams.has('error'));
}

/**
 * Finishes a sign-in from the callback URL: checks it, exchanges the code, keeps the token.
 * Returns where the person was going.
 */
export async function completeSignIn(config: WebConfig, callback: URL): Promise<string> {
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!stored) throw new SignInError('this sign-in was not started here; start again');
  const pending = JSON.parse(stored) as PendingSignIn;
  const as = await authorizationServer(config);
  const client: oauth.Client = { client_id: config.clientId };
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(as, client, callback, pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new SignInError(error.error_description ?? error.error);
    }
    throw error;
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    parameters,
    redirectUri(),
    pending.verifier,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const session: SignedIn = {
    accessToken: tokens.access_token,
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return safeReturnPath(pending.returnTo);
}

/** The current sign-in, unless it has (nearly) expired. */
export function currentSignIn(now = Date.now()): SignedIn | undefined {
  const stored = sessionStorage.getItem(SESSION_KEY);
  if (!stored) return undefined;
  try {
    const session = JSON.parse(stored) as SignedIn;
    if (typeof session.accessToken === 'string' && session.expiresAt - EXPIRY_MARGIN_MS > now) {
      return session;
    }
  } catch {
    // A damaged entry is as good as none.
  }
  sessionStorage.removeItem(SESSION_KEY);
  return undefined;
}

export function forgetSignIn(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Only paths of this app: a crafted returnTo must not send anyone elsewhere. */
export function safeReturnPath(path: string): string {
  return /^\/(?!\/)[\w\-/]*$/.test(path) ? path : '/';
}
