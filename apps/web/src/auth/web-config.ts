/** What the server tells the app about where people sign in (GET /api/web-config). */
export interface WebConfig {
  /** OpenID Connect issuer (the embedded IdP's is `<origin>/idp`). */
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
}

export async function loadWebConfig(): Promise<WebConfig> {
  const response = await fetch('/api/web-config', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const body = (await response.json()) as Partial<WebConfig>;
  if (
    typeof body.issuer !== 'string' ||
    typeof body.clientId !== 'string' ||
    typeof body.scope !== 'string'
  ) {
    throw new Error('the server sent an incomplete configuration');
  }
  return { issuer: body.issuer, clientId: body.clientId, scope: body.scope };
}
