// Test-only helpers shared by the client's unit tests: a scripted signaling server behind a
// fake WebSocket, a fake E2EE worker, and roster entries.
import type { PublicIdentity } from '@skjerm/e2ee';
import type { RequestMethod, RosterMember } from '@skjerm/protocol';
import { FakeHandler, testFakeParameters } from 'mediasoup-client';
import type { WebSocketLike } from './signaling/signaling-connection.ts';

type Listener = (event: never) => void;

export interface SentRequest {
  id: number;
  method: RequestMethod;
  params: Record<string, unknown>;
}

/** What the fake server answers: a result, or an error body; undefined = never answer. */
export type FakeAnswer =
  | { result: unknown }
  | { error: { code: string; message: string; detail?: string } }
  | undefined;

/**
 * A WebSocket whose other end is a script: `answer` maps each request to its answer, which
 * arrives asynchronously like a real frame; `push` sends a notification.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: SentRequest[] = [];
  answer: (request: SentRequest) => FakeAnswer = () => undefined;
  readonly #listeners = new Map<string, Listener[]>();

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    const request = JSON.parse(data) as SentRequest;
    this.sent.push(request);
    const answer = this.answer(request);
    if (answer === undefined) return;
    setTimeout(() => this.receive({ id: request.id, ok: 'result' in answer, ...answer }), 0);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#emit('close', { code, reason });
  }

  open(): void {
    this.readyState = 1;
    this.#emit('open', {});
  }

  fail(): void {
    this.#emit('error', {});
  }

  receive(frame: unknown): void {
    this.#emit('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  push(notification: string, data: unknown): void {
    this.receive({ notification, data });
  }

  methods(): string[] {
    return this.sent.map((request) => request.method);
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? [])
      (listener as (e: unknown) => void)(event);
  }
}

/** A socket that opens on the next tick, for SignalingConnection.connect. */
export function openingSocket(socket = new FakeSocket()): () => FakeSocket {
  return () => {
    setTimeout(() => socket.open(), 0);
    return socket;
  };
}

/** The E2EE worker as the main thread sees it; records what it is sent. */
export class FakeWorker {
  readonly posted: unknown[] = [];
  terminated = false;
  readonly #listeners: ((event: MessageEvent) => void)[] = [];

  postMessage(message: unknown): void {
    this.posted.push(message);
  }

  addEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.#listeners.push(listener);
  }

  removeEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.#listeners.splice(this.#listeners.indexOf(listener), 1);
  }

  reply(data: unknown): void {
    for (const listener of this.#listeners) listener({ data } as MessageEvent);
  }

  terminate(): void {
    this.terminated = true;
  }

  types(): string[] {
    return this.posted.map((message) => (message as { type: string }).type);
  }
}

/** A roster entry as the server sends it. */
export function rosterMember(
  identity: PublicIdentity,
  senderSlot: number,
  name = identity.participantId,
): RosterMember {
  return {
    participantId: identity.participantId,
    name,
    role: 'clinician',
    senderSlot,
    boxPublicKey: identity.boxPublicKey,
    signPublicKey: identity.signPublicKey,
    audio: false,
    video: false,
    keyVerified: false,
  };
}

/**
 * A camera or microphone track as far as mediasoup-client uses it: `enabled` is what its
 * Producer's pause and resume switch.
 */
export function fakeTrack(kind: 'audio' | 'video'): MediaStreamTrack {
  return {
    id: `${kind}-${Math.random().toString(36).slice(2)}`,
    kind,
    enabled: true,
    readyState: 'live',
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    stop: () => undefined,
  } as unknown as MediaStreamTrack;
}

/** mediasoup-client's fake handler: a Device that needs no browser. */
export const fakeHandlerFactory = FakeHandler.createFactory(testFakeParameters);

/** A createTransport answer in the protocol's shape. */
export function transportAnswer(): Record<string, unknown> {
  const { id, iceParameters, iceCandidates, dtlsParameters } =
    testFakeParameters.generateTransportRemoteParameters();
  return { transportId: id, iceParameters, iceCandidates, dtlsParameters };
}

export const routerRtpCapabilities = (): Record<string, unknown> =>
  testFakeParameters.generateRouterRtpCapabilities() as unknown as Record<string, unknown>;

/** Settles pending timers and promises a few times over. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits until `check` holds (polling), or fails after `ms`. */
export async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
