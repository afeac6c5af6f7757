import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { getSupportedRtpCapabilities, type types } from 'mediasoup';
import {
  type ControlPlane,
  type MediaKind,
  type MemberSession,
  producerRtpParameters,
  type RoomControl,
  type RoomSpec,
  type TransportKeys,
} from './control-plane.ts';
import type {
  RawMethod,
  RawReadyMessage,
  RawReplyMessage,
  RawRequests,
} from './raw-mediasoup-server.ts';
import { withTimeout } from './skjerm-process.ts';

const serverScript = fileURLToPath(new URL('./raw-mediasoup-server.ts', import.meta.url));

/**
 * The baseline control plane: raw-mediasoup-server.ts in a child process, told over IPC to
 * create routers, SRTP plain transports, producers and consumers exactly as Skjerm's media room
 * does, and nothing else. Producers are announced to the room's other members at once.
 */
export class RawMediasoupPlane implements ControlPlane {
  readonly name = 'baseline';
  readonly mediaPorts = new Set<number>();
  readonly workerPid: number;
  readonly #child: ChildProcess;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;

  private constructor(child: ChildProcess, workerPid: number) {
    this.#child = child;
    this.workerPid = workerPid;
    child.on('message', (message: RawReplyMessage) => {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(message.error));
    });
  }

  static async start(): Promise<RawMediasoupPlane> {
    const child = fork(serverScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<RawReadyMessage>((resolve, reject) => {
      child.once('message', (message: RawReadyMessage) => resolve(message));
      child.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
    });
    try {
      const { workerPid } = await withTimeout(ready, 20_000, 'baseline server start');
      return new RawMediasoupPlane(child, workerPid);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  get controlPid(): number {
    return this.#child.pid ?? -1;
  }

  call<M extends RawMethod>(
    method: M,
    params: RawRequests[M]['params'],
  ): Promise<RawRequests[M]['result']> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ id, method, params });
    });
  }

  async openRoom(spec: RoomSpec): Promise<RawRoom> {
    const { routerId } = await this.call('createRouter', {});
    return new RawRoom(this, routerId, spec);
  }

  async workerResourceUsageMs(): Promise<number> {
    const usage = await this.call('resourceUsage', {});
    return usage.ru_utime + usage.ru_stime;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A router and its members; each new producer is offered to the others at once. */
export class RawRoom implements RoomControl {
  readonly plane: RawMediasoupPlane;
  readonly routerId: string;
  readonly #spec: RoomSpec;
  readonly #sessions: RawSession[] = [];
  readonly #producers: { producerId: string; owner: RawSession }[] = [];

  constructor(plane: RawMediasoupPlane, routerId: string, spec: RoomSpec) {
    this.plane = plane;
    this.routerId = routerId;
    this.#spec = spec;
  }

  async join(index: number): Promise<RawSession> {
    if (index >= this.#spec.members.length) throw new Error(`no member ${index}`);
    const session = new RawSession(this, index + 1);
    this.#sessions.push(session);
    return session;
  }

  /** What the others may consume now, without `session`'s own. */
  producersFor(session: RawSession): string[] {
    return this.#producers.filter((p) => p.owner !== session).map((p) => p.producerId);
  }

  announce(producerId: string, owner: RawSession): void {
    this.#producers.push({ producerId, owner });
    for (const session of this.#sessions) if (session !== owner) session.offer(producerId);
  }

  async close(): Promise<void> {
    await this.plane.call('closeRouter', { routerId: this.routerId });
  }
}

const receiveCapabilities = getSupportedRtpCapabilities() as types.RtpCapabilities;

export class RawSession implements MemberSession {
  readonly joinStartedAt = performance.now();
  readonly senderSlot: number;
  readonly #room: RawRoom;
  #sendTransportId = '';
  #recvTransportId = '';
  #listener: ((producerId: string) => void) | undefined;

  constructor(room: RawRoom, senderSlot: number) {
    this.#room = room;
    this.senderSlot = senderSlot;
  }

  async openTransports(receivePort: number, keys: TransportKeys) {
    const { plane, routerId } = this.#room;
    const send = await plane.call('createTransport', { routerId, direction: 'send' });
    const recv = await plane.call('createTransport', { routerId, direction: 'recv' });
    await plane.call('connect', { transportId: send.transportId, srtpParameters: keys.send });
    await plane.call('connect', {
      transportId: recv.transportId,
      port: receivePort,
      srtpParameters: keys.recv,
    });
    this.#sendTransportId = send.transportId;
    this.#recvTransportId = recv.transportId;
    plane.mediaPorts.add(send.port);
    return {
      sendPort: send.port,
      workerKeys: { send: send.srtpParameters, recv: recv.srtpParameters },
    };
  }

  async produce(kind: MediaKind, ssrc: number, _kids: readonly number[]): Promise<string> {
    const { producerId } = await this.#room.plane.call('produce', {
      transportId: this.#sendTransportId,
      kind,
      rtpParameters: producerRtpParameters(kind, ssrc) as unknown as types.RtpParameters,
    });
    this.#room.announce(producerId, this);
    return producerId;
  }

  onProducer(listener: (producerId: string) => void): void {
    this.#listener = listener;
    for (const producerId of this.#room.producersFor(this)) listener(producerId);
  }

  offer(producerId: string): void {
    this.#listener?.(producerId);
  }

  async consume(producerId: string) {
    const plane = this.#room.plane;
    const { consumerId, ssrc } = await plane.call('consume', {
      transportId: this.#recvTransportId,
      producerId,
      rtpCapabilities: receiveCapabilities,
    });
    return {
      ssrc,
      resume: async () => {
        await plane.call('resume', { consumerId });
      },
    };
  }

  async leave(): Promise<void> {
    // The room's router closes with everything on it.
  }
}
