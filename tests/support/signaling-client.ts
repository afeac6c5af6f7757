import { once } from 'node:events';
import {
  type NotificationData,
  type NotificationName,
  PROTOCOL_VERSION,
  type ProtocolErrorBody,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
} from '@skjerm/protocol';
import WebSocket from 'ws';

/** A refused request, as the server said it. */
export class RequestRefused extends Error {
  readonly error: ProtocolErrorBody;
  constructor(method: string, error: ProtocolErrorBody) {
    super(`${method} refused: ${error.code}: ${error.message}`);
    this.error = error;
  }
}

type Notification = { notification: string; data: unknown };

/**
 * A Node signaling client speaking the real protocol over a real WebSocket (TLS verified
 * against the server's self-signed certificate when `ca` is given).
 */
export class SignalingClient {
  readonly socket: WebSocket;
  readonly notifications: Notification[] = [];
  /** The latest data of each notification, consumed or not by waitFor. */
  readonly latest = new Map<string, unknown>();
  /** Every frame the server sent, as text: for checks that something never reached a client. */
  readonly frames: string[] = [];
  readonly #pending = new Map<
    number,
    { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  readonly #waiters: { match: (n: Notification) => boolean; resolve: (n: Notification) => void }[] =
    [];
  #nextId = 1;
  closeCode: number | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => this.#onMessage(String(data)));
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const { method, reject } of this.#pending.values())
        reject(new Error(`${method}: socket closed`));
      this.#pending.clear();
    });
  }

  static async connect(serverUrl: string, ca?: string): Promise<SignalingClient> {
    const socket = new WebSocket(`${serverUrl.replace(/^https/, 'wss')}/ws`, {
      ...(ca ? { ca } : { rejectUnauthorized: false }),
    });
    await once(socket, 'open');
    return new SignalingClient(socket);
  }

  /** Connects and says hello with `token`. */
  static async login(serverUrl: string, token: string, ca?: string): Promise<SignalingClient> {
    const client = await SignalingClient.connect(serverUrl, ca);
    await client.request('hello', { protocolVersion: PROTOCOL_VERSION, token });
    return client;
  }

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Sends anything at all, for tests of malformed input. */
  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Resolves once the latest notification of this name satisfies `where`. */
  async until<N extends NotificationName>(
    name: N,
    where: (data: NotificationData<N>) => boolean,
    timeoutMs = 10_000,
  ): Promise<NotificationData<N>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const data = this.latest.get(name) as NotificationData<N> | undefined;
      if (data !== undefined && where(data)) return data;
      if (performance.now() > deadline) throw new Error(`${name} never satisfied the condition`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The next notification of this name (already received ones count) matching `where`. */
  waitFor<N extends NotificationName>(
    name: N,
    where: (data: NotificationData<N>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<NotificationData<N>> {
    const match = (n: Notification) =>
      n.notification === name && where(n.data as NotificationData<N>);
    const index = this.notifications.findIndex(match);
    if (index >= 0)
      return Promise.resolve(this.notifications.splice(index, 1)[0]?.data as NotificationData<N>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${name} notification within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n.data as NotificationData<N>);
        },
      });
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.socket, 'close');
    this.socket.close();
    // A socket whose peer stopped answering never finishes the closing handshake.
    const timer = setTimeout(() => this.socket.terminate(), 1000);
    await closed;
    clearTimeout(timer);
  }

  /** Raw responses to sendRaw, by id (null for frames without a readable id). */
  readonly rawResponses: { id: number | null; ok: boolean; error?: ProtocolErrorBody }[] = [];

  #onMessage(text: string): void {
    this.frames.push(text);
    const frame = JSON.parse(text) as
      | { id: number | null; ok: true; result: unknown }
      | { id: number | null; ok: false; error: ProtocolErrorBody }
      | Notification;
    if ('notification' in frame) {
      this.latest.set(frame.notification, frame.data);
      const waiter = this.#waiters.findIndex((w) => w.match(frame));
      if (waiter >= 0) this.#waiters.splice(waiter, 1)[0]?.resolve(frame);
      else this.notifications.push(frame);
      return;
    }
    const pending = frame.id === null ? undefined : this.#pending.get(frame.id);
    if (!pending) {
      this.rawResponses.push(
        frame.ok ? { id: frame.id, ok: true } : { id: frame.id, ok: false, error: frame.error },
      );
      return;
    }
    this.#pending.delete(frame.id as number);
    if (frame.ok) pending.resolve(frame.result);
    else pending.reject(new RequestRefused(pending.method, frame.error));
  }
}
