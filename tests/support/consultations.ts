import type { BookingRequest, BookingResponse, JoinedResult } from '@skjerm/protocol';
import type { SkjermServer } from '@skjerm/server';
import { getSupportedRtpCapabilities } from 'mediasoup';
import { Agent, fetch } from 'undici';
import { SignalingClient } from './signaling-client.ts';
import { people, type TestIssuer, type TestPerson } from './test-tokens.ts';

// Loopback only, tests only: the server's certificate is self-signed.
const insecureLoopbackAgent = new Agent({ connect: { rejectUnauthorized: false } });

/** Calls the REST API as `person`; returns status and parsed body. */
export async function api(
  server: SkjermServer,
  issuer: TestIssuer,
  person: TestPerson | undefined,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (person) headers.authorization = `Bearer ${await issuer.token(person)}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    dispatcher: insecureLoopbackAgent,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Books a consultation through the REST API as `clinician`. */
export async function book(
  server: SkjermServer,
  issuer: TestIssuer,
  clinician: TestPerson,
  request: Partial<BookingRequest> = {},
): Promise<BookingResponse> {
  const { status, body } = await api(server, issuer, clinician, 'POST', '/api/consultations', {
    title: 'Kontroll',
    startsAt: '2026-12-01T10:00:00Z',
    mode: 'consultation',
    patients: [{ name: people.patient.name, nationalId: people.patient.pid }],
    ...request,
  });
  if (status !== 201) throw new Error(`booking failed: ${status} ${JSON.stringify(body)}`);
  return body as unknown as BookingResponse;
}

/** The invite secret of a link (it travels in the fragment). */
export function inviteSecret(booking: BookingResponse, index = 0): string {
  const url = booking.invites[index]?.url;
  if (!url) throw new Error(`no invite ${index}`);
  return new URL(url).hash.slice(1);
}

export function e2eeKeys() {
  const key = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  return { boxPublicKey: key(), signPublicKey: key() };
}

export const receiveCapabilities = () =>
  getSupportedRtpCapabilities() as unknown as Record<string, unknown>;

/** Signs in as `person` and says hello. */
export async function signIn(server: SkjermServer, issuer: TestIssuer, person: TestPerson) {
  return SignalingClient.login(server.url, await issuer.token(person));
}

/** A booked clinician enters their consultation by id. */
export async function enterAsClinician(
  client: SignalingClient,
  consultationId: string,
): Promise<JoinedResult> {
  const result = await client.request('join', {
    consultationId,
    e2ee: e2eeKeys(),
    rtpCapabilities: receiveCapabilities(),
  });
  if (result.status !== 'joined') throw new Error('a clinician should enter directly');
  return result;
}

/** An invitee arrives (waiting room); resolves with the waiting result. */
export async function arrive(client: SignalingClient, invite: string, confirmGroup?: boolean) {
  return client.request('join', {
    invite,
    e2ee: e2eeKeys(),
    rtpCapabilities: receiveCapabilities(),
    ...(confirmGroup === undefined ? {} : { confirmGroup }),
  });
}

/** Host admits the first waiting entry matching `name`; resolves with the invitee's joined result. */
export async function admit(host: SignalingClient, invitee: SignalingClient, name: string) {
  const { waiting } = await host.until('waitingListChanged', (data) =>
    data.waiting.some((entry) => entry.name === name),
  );
  const entry = waiting.find((e) => e.name === name);
  if (!entry) throw new Error(`${name} is not waiting`);
  const admitted = invitee.waitFor('admitted');
  await host.request('admit', { waitingId: entry.waitingId });
  return admitted;
}
