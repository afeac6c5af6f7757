/**
 * What every browser-test fixture needs of its Skjerm server besides the browser: tokens from
 * the embedded IdP (signed in the real way, cached per person) and bookings through the REST
 * API, both over an HTTPS agent that accepts the server's self-signed loopback certificate.
 */
import type { BookingRequest, BookingResponse } from '@skjerm/protocol';
import { Agent, fetch } from 'undici';
import { loginAs } from '../../../apps/server/src/auth/test-login.ts';

export interface ServerAccess {
  token(personId: string): Promise<string>;
  /** Books as `clinicianId`; `request` overrides the defaults (one patient, a title). */
  book(
    clinicianId: string,
    request: Partial<BookingRequest> & Pick<BookingRequest, 'patients'>,
  ): Promise<BookingResponse>;
  close(): Promise<void>;
}

export function serverAccess(serverUrl: string): ServerAccess {
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const tokens = new Map<string, Promise<string>>();
  const access: ServerAccess = {
    token(personId) {
      let token = tokens.get(personId);
      if (!token) {
        token = loginAs(`${serverUrl}/idp`, personId, { redirectUri: `${serverUrl}/` }).then(
          (t) => t.accessToken,
        );
        tokens.set(personId, token);
      }
      return token;
    },
    async book(clinicianId, request) {
      const response = await fetch(`${serverUrl}/api/consultations`, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${await access.token(clinicianId)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          title: 'Kontroll',
          startsAt: new Date().toISOString(),
          mode: 'consultation',
          ...request,
        }),
      });
      const body = await response.json();
      if (response.status !== 201) {
        throw new Error(`booking failed: ${response.status} ${JSON.stringify(body)}`);
      }
      return body as BookingResponse;
    },
    close: () => agent.close(),
  };
  return access;
}
