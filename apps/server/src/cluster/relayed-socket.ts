import { EventEmitter } from 'node:events';
import type { SessionSocket } from '../signaling/session.ts';
import type { SignalingBus } from './signaling-bus.ts';

const OPEN = 1;
const CLOSED = 3;

/**
 * The owner node's stand-in for a client's WebSocket that is connected to another signaling
 * node (the edge): frames go both ways through the bus, and the edge watches the client's
 * liveness (its own ping/pong), so a ping here is answered at once.
 */
export class RelayedSocket extends EventEmitter implements SessionSocket {
  readonly OPEN = OPEN;
  readonly link: string;
  readonly edge: string;
  readyState = OPEN;
  readonly #bus: SignalingBus;

  constructor(link: string, edge: string, bus: SignalingBus) {
    super();
    this.link = link;
    this.edge = edge;
    this.#bus = bus;
  }

  send(data: string): void {
    if (this.readyState !== OPEN) return;
    void this.#bus.send(this.edge, { type: 'frame', link: this.link, data });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    void this.#bus.send(this.edge, { type: 'close', link: this.link, code, reason });
    this.emit('close', code);
  }

  /** Closes without a closing handshake (the edge terminates the client's socket). */
  terminate(): void {
    this.close(1006, '');
  }

  ping(): void {
    queueMicrotask(() => this.emit('pong'));
  }

  /** A frame the client sent. */
  deliver(data: string): void {
    if (this.readyState === OPEN) this.emit('message', Buffer.from(data, 'utf8'), false);
  }

  /** The client's connection closed at the edge, or the edge itself is gone. */
  remoteClosed(code: number): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    this.emit('close', code);
  }
}
