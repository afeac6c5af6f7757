import {
  ERROR_CODES,
  isValidNotification,
  isValidResult,
  type NotificationData,
  type NotificationName,
  type ProtocolErrorBody,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
} from '@skjerm/protocol';
import { SkjermClientError } from '../errors.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';

/** A notification with its data, discriminated on the name. */
export type Notification = {
  [N in NotificationName]: { notification: N; data: NotificationData<N> };
}[NotificationName];

/** The parts of the browser's WebSocket used here; tests pass a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
}

export interface SignalingConnectionOptions {
  /** Default: the browser's WebSocket. */
  readonly createSocket?: ((url: string) => WebSocketLike) | undefined;
  /** Milliseconds to open the socket (default 10 000). */
  readonly openTimeoutMs?: number | undefined;
  /** Milliseconds a request may wait for its answer (default 15 000). */
  readonly requestTimeoutMs?: number | undefined;
}

export type SignalingConnectionEvents = {
  notification: [Notification];
  /** A frame that is not valid protocol was dropped; `reason` says why (never its content). */
  invalidmessage: [reason: string];
  /** The socket closed; every pending request has been rejected. */
  close: [code: number, reason: string];
  listenererror: [event: string, error: unknown];
};

const OPEN = 1;
/** Request ids are uint32 on the wire; they wrap long before a session could use them up. */
const MAX_REQUEST_ID = 0xffff_ffff;

interface Pending {
  readonly method: RequestMethod;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: SkjermClientError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The client end of the signaling WebSocket: numbers requests, matches each response to its
 * request by id, checks results and notifications against the protocol's schemas (a server
 * bug must not reach the app as data), and turns every failure into a SkjermClientError.
 */
export class SignalingConnection extends TypedEmitter<SignalingConnectionEvents> {
  readonly #socket: WebSocketLike;
  readonly #requestTimeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  private constructor(socket: WebSocketLike, requestTimeoutMs: number) {
    super();
    this.#socket = socket;
    this.#requestTimeoutMs = requestTimeoutMs;
    socket.addEventListener('message', (event) => this.#onMessage(event.data));
    socket.addEventListener('close', (event) => this.#onClose(event.code, event.reason));
  }

  /** Opens the socket; rejects with 'connection-failed' when it does not open in time. */
  static connect(
    url: string,
    options: SignalingConnectionOptions = {},
  ): Promise<SignalingConnection> {
    const createSocket = options.createSocket ?? ((target) => new WebSocket(target));
    const openTimeoutMs = options.openTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = createSocket(url);
      } catch (error) {
        reject(new SkjermClientError('connection-failed', `cannot open ${url}`, { cause: error }));
        return;
      }
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.close();
        reject(new SkjermClientError('connection-failed', `signaling at ${url}: ${why}`));
      };
      const timer = setTimeout(() => fail('did not open in time'), openTimeoutMs);
      socket.addEventListener('error', () => fail('the connection failed'));
      socket.addEventListener('close', () => fail('closed before it opened'));
      socket.addEventListener('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new SignalingConnection(socket, options.requestTimeoutMs ?? 15_000));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request; resolves with its schema-checked result. */
  request<M extends RequestMethod>(
    method: M,
    params: RequestParams<M>,
    timeoutMs = this.#requestTimeoutMs,
  ): Promise<RequestResult<M>> {
    if (this.#closed || this.#socket.readyState !== OPEN) {
      return Promise.reject(
        new SkjermClientError('connection-closed', `${method}: the signaling connection is closed`),
      );
    }
    const id = this.#nextId;
    this.#nextId = this.#nextId >= MAX_REQUEST_ID ? 1 : this.#nextId + 1;
    return new Promise<RequestResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SkjermClientError('request-timeout', `${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        method,
        resolve: resolve as (result: unknown) => void,
        reject,
        timer,
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Closes the socket (1000); pending requests fail with 'connection-closed'. */
  close(): void {
    if (this.#closed) return;
    this.#socket.close(1000, 'client closed');
    this.#onClose(1000, 'client closed');
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      this.safeEmit('invalidmessage', 'a frame that is not JSON');
      return;
    }
    if (typeof frame !== 'object' || frame === null) {
      this.safeEmit('invalidmessage', 'a frame that is not an object');
    } else if ('notification' in frame) {
      if (isValidNotification(frame)) this.safeEmit('notification', frame as Notification);
      else
        this.safeEmit('invalidmessage', `an invalid ${describe(frame.notification)} notification`);
    } else if ('id' in frame && 'ok' in frame) {
      this.#onResponse(frame as { id: unknown; ok: unknown; result?: unknown; error?: unknown });
    } else {
      this.safeEmit('invalidmessage', 'a frame that is neither response nor notification');
    }
  }

  #onResponse(frame: { id: unknown; ok: unknown; result?: unknown; error?: unknown }): void {
    const pending = typeof frame.id === 'number' ? this.#pending.get(frame.id) : undefined;
    if (pending === undefined) {
      // id null: the server could not read a request of ours at all (a bug on one side).
      this.safeEmit(
        'invalidmessage',
        `a response to no pending request (id ${describe(frame.id)})`,
      );
      return;
    }
    this.#pending.delete(frame.id as number);
    clearTimeout(pending.timer);
    if (frame.ok === true && isValidResult(pending.method, frame.result)) {
      pending.resolve(frame.result);
    } else if (frame.ok === false && isErrorBody(frame.error)) {
      pending.reject(
        new SkjermClientError(
          'request-failed',
          `${pending.method}: ${frame.error.code}: ${frame.error.message}`,
          { serverError: frame.error },
        ),
      );
    } else {
      pending.reject(
        new SkjermClientError(
          'invalid-message',
          `${pending.method}: the server's answer does not match the protocol`,
        ),
      );
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(
        new SkjermClientError(
          'connection-closed',
          `${pending.method}: the signaling connection closed (${code})`,
        ),
      );
      this.#pending.delete(id);
    }
    this.safeEmit('close', code, reason);
  }
}

function isErrorBody(value: unknown): value is ProtocolErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return (
    typeof message === 'string' && (ERROR_CODES as readonly unknown[]).includes(code as unknown)
  );
}

/** Names from the wire go into messages only as short, plain text. */
function describe(value: unknown): string {
  return String(value)
    .replace(/[^\w.-]/g, '?')
    .slice(0, 40);
}
