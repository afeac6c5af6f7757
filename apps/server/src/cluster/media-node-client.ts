import type { ErrorCode } from '@skjerm/protocol';
import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { newNonce, proofMatches, proveSecret } from './cluster-secret.ts';
import {
  MAX_RPC_MESSAGE_BYTES,
  parseRpc,
  RpcChallenge,
  RpcEvent,
  type RpcEventMessage,
  type RpcMethod,
  type RpcParams,
  RpcReady,
  RpcResponse,
} from './media-rpc.ts';

export interface MediaNodeClientOptions {
  /** The media node's id, as registered. */
  nodeId: string;
  rpcUrl: string;
  secret: string;
  /** This signaling node's id (the media node logs who connected). */
  localNodeId: string;
  log: Logger;
  /** A call not answered within this is failed; the node is pinged as often as this / 3. */
  timeoutMs?: number;
}

export type MediaNodeClientEvents = {
  /** A room event from the media node. */
  roomevent: [RpcEventMessage];
  /** The connection is gone (closed, or the node stopped answering): its rooms are lost. */
  lost: [reason: string];
  listenererror: [event: string, error: unknown];
};

interface Pending {
  resolve: (value: { result: unknown; counts: RoomCounts | undefined }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface RoomCounts {
  transports: number;
  producers: number;
  consumers: number;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A signaling node's connection to one media node: requests with answers, room events, and
 * a ping that notices a node which stopped answering (a killed process closes the socket at
 * once; a hung one misses its pongs). Once lost, the client stays lost: whoever used it
 * connects again if the node comes back.
 */
export class MediaNodeClient extends TypedEmitter<MediaNodeClientEvents> {
  readonly nodeId: string;
  readonly #socket: WebSocket;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #lost: string | undefined;
  #pinger: NodeJS.Timeout | undefined;

  private constructor(socket: WebSocket, options: MediaNodeClientOptions) {
    super();
    this.nodeId = options.nodeId;
    this.#socket = socket;
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Connects, and the two ends prove the cluster secret to each other; rejects if the node
   * does not, or does not in time.
   */
  static connect(options: MediaNodeClientOptions): Promise<MediaNodeClient> {
    const socket = new WebSocket(options.rpcUrl);
    const client = new MediaNodeClient(socket, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`media node ${options.nodeId} did not answer`));
      }, client.#timeoutMs);
      const nonce = newNonce();
      const onFirst = (message: MessageEvent) => {
        const text = String(message.data);
        const challenge = parseRpc(RpcChallenge, text);
        if (challenge) {
          const proof = proveSecret(options.secret, challenge.nonce, {
            role: 'signaling',
            nodeId: options.localNodeId,
            to: options.nodeId,
          });
          socket.send(JSON.stringify({ type: 'hello', nodeId: options.localNodeId, proof, nonce }));
          return;
        }
        const ready = parseRpc(RpcReady, text);
        clearTimeout(timer);
        socket.removeEventListener('message', onFirst);
        if (
          !ready ||
          ready.nodeId !== options.nodeId ||
          !proofMatches(ready.proof, options.secret, nonce, {
            role: 'media',
            nodeId: ready.nodeId,
            to: options.localNodeId,
          })
        ) {
          socket.close();
          reject(new Error(`media node ${options.nodeId} did not prove the cluster secret`));
          return;
        }
        client.#start();
        resolve(client);
      };
      socket.addEventListener('message', onFirst);
      socket.addEventListener('close', (event) => {
        clearTimeout(timer);
        reject(new Error(`media node ${options.nodeId} refused (${event.code})`));
        client.#loseWith(`connection closed (${event.code})`);
      });
      socket.addEventListener('error', () => undefined);
    });
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  request<M extends RpcMethod>(
    method: M,
    params: RpcParams<M>,
  ): Promise<{ result: unknown; counts: RoomCounts | undefined }> {
    if (this.#lost !== undefined) {
      return Promise.reject(new RequestError('unavailable', 'the media node is gone'));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestError('unavailable', 'the media node did not answer'));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#socket.send(JSON.stringify({ type: 'request', id, method, params }));
    });
  }

  close(): void {
    this.#loseWith('closed');
    this.#socket.close(1000);
  }

  #start(): void {
    this.#socket.addEventListener('message', (message) => this.#onMessage(String(message.data)));
    let missed = 0;
    this.#pinger = setInterval(
      () => {
        this.request('ping', {}).then(
          () => {
            missed = 0;
          },
          () => {
            missed++;
            if (missed >= 2 && !this.lost) {
              this.#loseWith('stopped answering');
              this.#socket.close();
            }
          },
        );
      },
      Math.max(200, this.#timeoutMs / 3),
    );
    this.#pinger.unref();
  }

  #onMessage(text: string): void {
    if (text.length > MAX_RPC_MESSAGE_BYTES) {
      this.#refuse('oversized message');
      return;
    }
    const response = parseRpc(RpcResponse, text);
    if (response) {
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      clearTimeout(pending.timer);
      if (response.ok) pending.resolve({ result: response.result, counts: response.counts });
      else
        pending.reject(new RequestError(response.error.code as ErrorCode, response.error.message));
      return;
    }
    const event = parseRpc(RpcEvent, text);
    if (event) {
      this.safeEmit('roomevent', event);
      return;
    }
    this.#refuse('malformed message');
  }

  #refuse(why: string): void {
    this.#log.error({ mediaNode: this.nodeId, why }, 'media node sent what the RPC does not allow');
    this.#loseWith(why);
    this.#socket.close();
  }

  #loseWith(reason: string): void {
    if (this.#lost !== undefined) return;
    this.#lost = reason;
    clearInterval(this.#pinger);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new RequestError('unavailable', 'the media node is gone'));
    }
    this.#pending.clear();
    this.#log.warn({ mediaNode: this.nodeId, reason }, 'media node lost');
    this.safeEmit('lost', reason);
  }
}
