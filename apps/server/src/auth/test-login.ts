import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { isLoopbackHost } from './auth-config.ts';
import { loginFormFields } from './idp-login-page.ts';
import { webClientId, webClientScope } from './idp-provider-config.ts';

/** The part of fetch this helper uses; the global fetch and undici's both fit. */
export type LoginFetch = (
  url: string,
  init: {
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    redirect: 'manual';
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null; getSetCookie(): string[] };
  text(): Promise<string>;
}>;

export interface LoginAsOptions {
  /** One of the embedded IdP's registered redirect URIs. */
  redirectUri: string;
  /** Default: undici's fetch trusting any certificate, for loopback URLs only. */
  fetch?: LoginFetch;
}

export interface LoginTokens {
  idToken: string;
  accessToken: string;
}

const maxRedirects = 10;

/**
 * Signs in at the embedded IdP as one of its test people, the way a browser would but without
 * one: the authorization-code flow with PKCE (RFC 7636), following redirects by hand, keeping
 * cookies, submitting the sign-in form, and exchanging the code at the token endpoint. For
 * tests against a running server: the default fetch accepts a self-signed certificate, and so
 * refuses any address but loopback.
 */
export async function loginAs(
  idpBaseUrl: string,
  personId: string,
  options: LoginAsOptions,
): Promise<LoginTokens> {
  let agent: Agent | undefined;
  let fetch = options.fetch;
  if (!fetch) {
    if (!isLoopbackHost(new URL(idpBaseUrl).hostname)) {
      throw new Error('loginAs trusts self-signed certificates only on loopback addresses');
    }
    const insecureAgent = new Agent({ connect: { rejectUnauthorized: false } });
    agent = insecureAgent;
    fetch = (url, init) => undiciFetch(url, { ...init, dispatcher: insecureAgent });
  }
  try {
    return await new LoginFlow(idpBaseUrl.replace(/\/$/, ''), fetch, options.redirectUri).run(
      personId,
    );
  } finally {
    await agent?.close();
  }
}

/** One sign-in: its PKCE verifier, state, nonce and cookie jar. */
class LoginFlow {
  readonly #issuer: string;
  readonly #fetch: LoginFetch;
  readonly #redirectUri: string;
  readonly #cookies = new Map<string, string>();
  readonly #verifier = randomBytes(32).toString('base64url');
  readonly #state = randomBytes(16).toString('base64url');
  readonly #nonce = randomBytes(16).toString('base64url');

  constructor(issuer: string, fetch: LoginFetch, redirectUri: string) {
    this.#issuer = issuer;
    this.#fetch = fetch;
    this.#redirectUri = redirectUri;
  }

  async run(personId: string): Promise<LoginTokens> {
    const discovery = JSON.parse(
      await this.#expect(
        200,
        await this.#request('GET', `${this.#issuer}/.well-known/openid-configuration`),
      ),
    ) as { issuer: string; authorization_endpoint: string; token_endpoint: string };
    if (discovery.issuer !== this.#issuer) {
      throw new Error(`discovery names issuer ${discovery.issuer}, expected ${this.#issuer}`);
    }

    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: webClientId,
      response_type: 'code',
      redirect_uri: this.#redirectUri,
      scope: webClientScope,
      state: this.#state,
      nonce: this.#nonce,
      code_challenge: createHash('sha256').update(this.#verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();

    const loginPage = await this.#follow(authorize.href);
    if (!(loginPage instanceof LoginPage)) throw new Error('the IdP did not show its sign-in page');
    const callback = await this.#follow(
      loginPage.action,
      new URLSearchParams({ [loginFormFields.person]: personId }).toString(),
    );
    if (!(callback instanceof URL)) throw new Error(`signing in as ${personId} failed`);

    const code = this.#codeFrom(callback);
    const tokenResponse = await this.#request(
      'POST',
      discovery.token_endpoint,
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.#redirectUri,
        client_id: webClientId,
        code_verifier: this.#verifier,
      }).toString(),
    );
    const tokens = JSON.parse(await this.#expect(200, tokenResponse)) as {
      id_token?: string;
      access_token?: string;
    };
    if (!tokens.id_token || !tokens.access_token) {
      throw new Error('the token endpoint returned no ID token or access token');
    }
    if (decodeJwt(tokens.id_token).nonce !== this.#nonce) {
      throw new Error("the ID token's nonce is not the one sent");
    }
    return { idToken: tokens.id_token, accessToken: tokens.access_token };
  }

  /**
   * Follows redirects from `url` (a POST of `form` first, when given) until the sign-in page or
   * the redirect back to the app, which is returned as a URL.
   */
  async #follow(url: string, form?: string): Promise<LoginPage | URL> {
    let next = new URL(url, this.#issuer).href;
    let response = await this.#request(form ? 'POST' : 'GET', next, form);
    for (let hop = 0; hop < maxRedirects; hop++) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        next = new URL(location, next).href;
        // The redirect URI may be the server's root, a prefix of the IdP's own paths.
        if (isRedirectTarget(next, this.#redirectUri)) return new URL(next);
        response = await this.#request('GET', next);
        continue;
      }
      const html = await this.#expect(200, response, next);
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`unexpected page at ${next}`);
      return new LoginPage(new URL(action.replaceAll('&amp;', '&'), next).href);
    }
    throw new Error(`more than ${maxRedirects} redirects`);
  }

  #codeFrom(callback: URL): string {
    const params = callback.searchParams;
    const error = params.get('error');
    if (error) throw new Error(`the IdP answered ${error}: ${params.get('error_description')}`);
    if (params.get('state') !== this.#state) throw new Error('state mismatch on the redirect');
    // RFC 9207: the issuer in the response guards against mix-up attacks.
    if (params.has('iss') && params.get('iss') !== this.#issuer) {
      throw new Error('the redirect names another issuer');
    }
    const code = params.get('code');
    if (!code) throw new Error('the redirect carries no code');
    return code;
  }

  async #request(method: 'GET' | 'POST', url: string, form?: string) {
    const headers: Record<string, string> = { accept: 'text/html, application/json' };
    if (this.#cookies.size > 0) {
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await this.#fetch(url, {
      method,
      headers,
      redirect: 'manual',
      ...(form === undefined ? {} : { body: form }),
    });
    this.#keepCookies(response.headers.getSetCookie());
    return response;
  }

  /** A jar without paths or domains: one flow talks to one origin. */
  #keepCookies(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      if (separator < 1) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', setting = ''] = attribute.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(setting) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(setting) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  async #expect(
    status: number,
    response: Awaited<ReturnType<LoginFetch>>,
    url = '',
  ): Promise<string> {
    const body = await response.text();
    if (response.status !== status) {
      throw new Error(`HTTP ${response.status} from ${url || 'the IdP'}: ${body.slice(0, 300)}`);
    }
    return body;
  }
}

class LoginPage {
  readonly action: string;
  constructor(action: string) {
    this.action = action;
  }
}

/** Whether `url` is the client's redirect URI (same origin and path; query ignored). */
function isRedirectTarget(url: string, redirectUri: string): boolean {
  const target = new URL(url);
  const expected = new URL(redirectUri);
  return target.origin === expected.origin && target.pathname === expected.pathname;
}
