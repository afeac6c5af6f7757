import { EventEmitter } from 'node:events';
import type { SessionSocket } from '../signaling/session.ts';
import { LinkSender } from './link-sender.ts';
import type { SignalingBus } from './signaling-bus.ts';

const OPEN = 1;
const CLOSED = 3;

/**
 * The owner node's stand-in for a client's WebSocket that is connected to another signaling
 * node (the edge): frames go both ways through the bus, in order (LinkSender), and the
 * session's pings are answered by the edge, which knows whether the client is still there.
 * While Redis is away a ping cannot be answered either way; the session is not dropped for it.
 */
export class RelayedSocket extends EventEmitter implements SessionSocket {
  readonly OPEN = OPEN;
  readonly link: string;
  readonly edge: string;
  readyState = OPEN;
  readonly #bus: SignalingBus;
  readonly #sender: LinkSender;

  constructor(link: string, edge: string, bus: SignalingBus) {
    super();
    this.link = link;
    this.edge = edge;
    this.#bus = bus;
    // A frame that cannot reach the edge breaks the link: the session then waits for a resume.
    this.#sender = new LinkSender(bus, edge, () => this.remoteClosed(1006));
  }

  send(data: string): void {
    if (this.readyState !== OPEN) return;
    this.#sender.send({ type: 'frame', link: this.link, from: this.#bus.nodeId, data });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    this.#sender.send({ type: 'close', link: this.link, code, reason });
    this.#emit('close', code);
  }

  /** Closes without a closing handshake (the edge terminates the client's socket). */
  terminate(): void {
    this.close(1006, '');
  }

  /** Asks the edge whether the client is still there; it answers pong, or closed. */
  ping(): void {
    if (this.readyState !== OPEN) return;
    void this.#bus
      .send(this.edge, { type: 'ping', link: this.link, from: this.#bus.nodeId })
      .then((outcome) => {
        // Redis away: nobody can tell; the client is not blamed for it.
        if (outcome === 'unavailable') this.pong();
      });
  }

  pong(): void {
    if (this.readyState === OPEN) this.#emit('pong');
  }

  /** A frame the client sent. */
  deliver(data: string): void {
    if (this.readyState === OPEN) this.#emit('message', Buffer.from(data, 'utf8'), false);
  }

  /** The client's connection closed at the edge, or the link to the edge broke. */
  remoteClosed(code: number): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    this.#emit('close', code);
  }

  /** Called from bus and timer callbacks: a failing listener must not take the process down. */
  #emit(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      this.#onListenerError(error);
    }
  }

  #onListenerError: (error: unknown) => void = () => undefined;

  /** Where listener failures are reported (the cluster's log). */
  reportErrorsTo(report: (error: unknown) => void): void {
    this.#onListenerError = report;
  }
}
