import { once } from 'node:events';
import type {
  NotificationData,
  NotificationName,
  ProtocolErrorBody,
  RequestMethod,
  RequestParams,
  RequestResult,
} from '@skjerm/protocol';
import WebSocket from 'ws';

/** A request the server refused, with the protocol's error body. */
export class RequestRefused extends Error {
  readonly error: ProtocolErrorBody;
  constructor(method: string, error: ProtocolErrorBody) {
    super(`${method} refused: ${error.code}: ${error.message}`);
    this.error = error;
  }
}

type Listener = (data: unknown) => void;

/** How the server serializes a notification frame (packages/protocol wire.ts). */
const NOTIFICATION_PREFIX = '{"notification":"';

/**
 * One participant's signaling connection, lean enough to run hundreds in one load generator:
 * requests matched by id, notifications handed to listeners and nothing kept after use. TLS is
 * verified against the server's own (self-signed) certificate.
 */
export class SignalingClient {
  /** performance.now() when the WebSocket opened: where join time starts. */
  readonly openedAt: number;
  readonly #socket: WebSocket;
  readonly #pending = new Map<
    number,
    { method: string; resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Notifications only counted, never parsed (the signaling rate test's relayed envelopes). */
  readonly #counted = new Map<string, number>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.openedAt = performance.now();
    this.#socket = socket;
    socket.on('message', (data) => this.#onMessage(String(data)));
    socket.on('close', () => {
      for (const { method, reject } of this.#pending.values()) {
        reject(new Error(`${method}: connection closed`));
      }
      this.#pending.clear();
    });
  }

  static async connect(serverUrl: string, ca: string): Promise<SignalingClient> {
    const socket = new WebSocket(`${serverUrl.replace(/^https/, 'wss')}/ws`, {
      ca,
      perMessageDeflate: false,
    });
    socket.on('error', () => undefined); // surfaced as a failed open or a closed connection
    await once(socket, 'open');
    return new SignalingClient(socket);
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    if (!this.open) return Promise.reject(new Error(`${method}: connection closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve: resolve as (result: unknown) => void, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  on<N extends NotificationName>(name: N, listener: (data: NotificationData<N>) => void): void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener);
  }

  /** The next notification of this name. */
  next<N extends NotificationName>(name: N, timeoutMs = 15_000): Promise<NotificationData<N>> {
    return new Promise((resolve, reject) => {
      const listener = (data: NotificationData<N>) => {
        clearTimeout(timer);
        this.#listeners.get(name)?.delete(listener as Listener);
        resolve(data);
      };
      const timer = setTimeout(() => {
        this.#listeners.get(name)?.delete(listener as Listener);
        reject(new Error(`no ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on(name, listener);
    });
  }

  /** From now on, notifications of this name are counted and otherwise dropped unparsed. */
  countOnly(name: NotificationName): void {
    this.#counted.set(name, 0);
  }

  counted(name: NotificationName): number {
    return this.#counted.get(name) ?? 0;
  }

  /** Closes with 1000: the server takes it as leaving on purpose (no resume grace). */
  async close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.#socket, 'close');
    this.#socket.close(1000);
    const timer = setTimeout(() => this.#socket.terminate(), 1_000);
    await closed;
    clearTimeout(timer);
  }

  #onMessage(text: string): void {
    if (this.#counted.size > 0 && text.startsWith(NOTIFICATION_PREFIX)) {
      const name = text.slice(
        NOTIFICATION_PREFIX.length,
        text.indexOf('"', NOTIFICATION_PREFIX.length),
      );
      const count = this.#counted.get(name);
      if (count !== undefined) {
        this.#counted.set(name, count + 1);
        return;
      }
    }
    const frame = JSON.parse(text) as
      | { id: number | null; ok: true; result: unknown }
      | { id: number | null; ok: false; error: ProtocolErrorBody }
      | { notification: string; data: unknown };
    if ('notification' in frame) {
      for (const listener of this.#listeners.get(frame.notification) ?? []) listener(frame.data);
      return;
    }
    const pending = frame.id === null ? undefined : this.#pending.get(frame.id);
    if (!pending || frame.id === null) return;
    this.#pending.delete(frame.id);
    if (frame.ok) pending.resolve(frame.result);
    else pending.reject(new RequestRefused(pending.method, frame.error));
  }
}
