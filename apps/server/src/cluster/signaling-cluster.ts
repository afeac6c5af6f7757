import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConsultationRegistry } from '../consultations/consultation-registry.ts';
import { absentChannel } from '../consultations/consultation-registry.ts';
import { RequestError } from '../lib/request-error.ts';
import {
  HandOff,
  type RestoredPlace,
  type SessionCluster,
  type SessionOptions,
  type SessionSocket,
  type SignalingSession,
} from '../signaling/session.ts';
import { LinkSender } from './link-sender.ts';
import { RelayedSocket } from './relayed-socket.ts';
import type { SharedState } from './shared-state.ts';
import { OWNER_LEASE_MS } from './shared-state.ts';
import type { BusMessage, SignalingBus } from './signaling-bus.ts';

export interface SignalingClusterOptions {
  bus: SignalingBus;
  shared: SharedState;
  registry: ConsultationRegistry;
  log: Logger;
  /** A session on this node for a connection relayed from another (see adopt). */
  createSession: (socket: SessionSocket, options: SessionOptions) => SignalingSession;
  /** The sessions on this node (what is shared of them is written again after an outage). */
  sessions: () => Iterable<SignalingSession>;
}

/** A client's WebSocket relayed to the node that holds its consultation. */
interface EdgeLink {
  socket: SessionSocket;
  owner: string;
}

/** How often the other ends of relayed connections are checked, and after how many misses. */
const LIVENESS_CHECK_MS = 1000;
const MISSES_BEFORE_GONE = 2;
/** A client whose relay lost its node reconnects and resumes elsewhere (RFC 6455: 1012). */
const CLOSE_SERVICE_RESTART = 1012;
/** After Redis comes back, nodes get this long to be present again before any is judged. */
const LIVENESS_GRACE_AFTER_OUTAGE_MS = 5000;

/**
 * Signaling nodes sharing consultations (role signaling). Each live consultation is held by
 * one node (a lease in Redis); a client connected to another node has its session run on the
 * holder, its frames relayed through Redis pub/sub. The holder shares the consultation's state
 * and each session's place, so when it dies, the first client to resume on another node makes
 * that node the holder: it takes the consultation over from the shared state, everyone
 * resumes there and starts their media over.
 */
export class SignalingCluster implements SessionCluster {
  readonly #options: SignalingClusterOptions;
  readonly #log: Logger;
  readonly #edgeLinks = new Map<string, EdgeLink>();
  readonly #ownerLinks = new Map<string, RelayedSocket>();
  readonly #misses = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  #judgeLivenessAfter = 0;
  #checking = false;

  constructor(options: SignalingClusterOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'signaling-cluster' });
    options.bus.on('message', (message) => this.#onMessage(message));
    options.bus.on('reconnected', () => {
      // Other nodes' presence may take a heartbeat to reappear in a Redis that came back empty.
      this.#judgeLivenessAfter = Date.now() + LIVENESS_GRACE_AFTER_OUTAGE_MS;
      void options.shared
        .markEpoch()
        .then(() => this.#shareAgain())
        .catch((error: unknown) => this.#log.error({ err: error }, 'cannot share again'));
    });
    this.#timer = setInterval(() => {
      this.#checkLiveness().catch((error: unknown) =>
        this.#log.error({ err: error }, 'liveness check failed'),
      );
    }, LIVENESS_CHECK_MS);
    this.#timer.unref();
  }

  get nodeId(): string {
    return this.#options.bus.nodeId;
  }

  /** Before entering a consultation: here, or hand the connection to its holder. */
  async routeJoin(consultationId: string): Promise<void> {
    const owner = await this.#holderOf(consultationId);
    if (owner === undefined || owner === '') {
      if (this.#options.registry.get(consultationId)) return;
      throw new RequestError('unavailable', 'the service is restarting a part; try again shortly');
    }
    if (owner !== this.nodeId) throw new HandOff(owner, true);
  }

  /**
   * A resume token this node does not know: its session lives on another node (hand the
   * connection there), or lived on a node that died (take its consultation over here).
   */
  async routeResume(token: string): Promise<RestoredPlace | undefined> {
    const { shared, registry } = this.#options;
    const record = await shared.loadResume(token);
    if (!record) return undefined;
    // Decided by who holds the consultation now (the record's node may have lost it, died,
    // or be this node restarted): the holder has the session, or takes the place over.
    const owner = await this.#holderOf(record.consultationId);
    if (owner === undefined || owner === '') return undefined;
    if (owner !== this.nodeId) throw new HandOff(owner, false);
    const consultation =
      registry.get(record.consultationId) ?? (await registry.restore(record.consultationId));
    if (!consultation) return undefined;
    return {
      consultation,
      placeholder: absentChannel,
      participantId: record.participantId,
      waitingId: record.waitingId,
      issuer: record.issuer,
      subject: record.subject,
      authenticatedAt: new Date(record.authenticatedAt),
    };
  }

  /** A resume token whose place was taken over here: it cannot be used again. */
  consumed(token: string): void {
    this.#options.shared.deleteResume(token);
  }

  /**
   * The node holding a consultation, claiming it when free. Waits (up to a lease and a bit)
   * while its holder is gone but its lease has not run out, or while a Redis that came back
   * empty gives former holders their time: a consultation is taken over only when nobody
   * can still be holding it. '' if it could not be settled in time; undefined if Redis
   * cannot say.
   */
  async #holderOf(consultationId: string): Promise<string | undefined> {
    const { shared, bus } = this.#options;
    const deadline = Date.now() + OWNER_LEASE_MS + 2000;
    for (;;) {
      const owner = await shared.claim(consultationId);
      if (owner === undefined || owner === this.nodeId) return owner;
      if (owner !== '' && (await bus.isAlive(owner)) !== false) return owner;
      if (Date.now() > deadline) return owner;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  handOff(session: SignalingSession, socket: SessionSocket, owner: string, frames: string[]) {
    const link = randomUUID();
    this.#edgeLinks.set(link, { socket, owner });
    const { bus } = this.#options;
    // Nothing is kept for later: a link that cannot deliver breaks, and the client resumes.
    const sender = new LinkSender(bus, owner, () => {
      if (socket.readyState === socket.OPEN) socket.close(CLOSE_SERVICE_RESTART, 'reconnect');
    });
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
      // And the holder: a link it no longer knows is answered with close (reconnect).
      void bus.send(owner, { type: 'ping', link, from: this.nodeId });
    }, 3000);
    heartbeat.unref();
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        socket.close(1003, 'send text frames');
        return;
      }
      sender.send({ type: 'frame', link, from: this.nodeId, data: data.toString('utf8') });
    });
    socket.on('close', (code: number) => {
      clearInterval(heartbeat);
      this.#edgeLinks.delete(link);
      // After the frames before it, like the close it reports.
      sender.send({ type: 'closed', link, code: code || 1006 });
    });
    socket.on('error', () => undefined);
    const resumeToken = frames.length > 1 ? session.resumeToken : undefined;
    sender.send({
      type: 'adopt',
      link,
      edge: this.nodeId,
      frames,
      hops: session.hops + 1,
      ...(resumeToken ? { resumeToken } : {}),
    });
    this.#log.debug({ link, owner }, 'connection handed over to the consultation holder');
  }

  remember(session: SignalingSession): void {
    const consultation = session.consultation;
    const identity = session.identity;
    if (!consultation || !identity) return;
    this.#options.shared.saveResume(session.resumeToken, {
      nodeId: this.nodeId,
      consultationId: consultation.id,
      ...(session.participantId ? { participantId: session.participantId } : {}),
      ...(session.waitingId ? { waitingId: session.waitingId } : {}),
      issuer: identity.issuer,
      subject: identity.subject,
      authenticatedAt: (session.authenticatedAt ?? new Date()).toISOString(),
    });
  }

  forget(session: SignalingSession): void {
    this.#options.shared.deleteResume(session.resumeToken);
  }

  /** The node is up with this Redis (see SharedState.markEpoch). */
  async start(): Promise<void> {
    await this.#options.shared.markEpoch();
  }

  /** This node stops: relayed clients reconnect (to another node) and resume there. */
  close(): void {
    clearInterval(this.#timer);
    for (const { socket } of this.#edgeLinks.values()) {
      socket.close(CLOSE_SERVICE_RESTART, 'reconnect');
    }
  }

  /**
   * Redis came back, perhaps empty (no persistence): what this node holds is claimed and
   * shared again, so a later failure of this node can still be taken over.
   */
  async #shareAgain(): Promise<void> {
    const { registry, shared } = this.#options;
    for (const consultation of registry.live()) {
      if ((await shared.claim(consultation.id)) === this.nodeId) {
        shared.saveState(consultation.id, consultation.snapshot());
      }
    }
    for (const session of this.#options.sessions()) {
      if (!session.closed && session.consultation) this.remember(session);
    }
    this.#log.info('shared state written again after Redis came back');
  }

  #onMessage(message: BusMessage): void {
    switch (message.type) {
      case 'adopt': {
        if (this.#ownerLinks.has(message.link)) return;
        const relayed = new RelayedSocket(message.link, message.edge, this.#options.bus);
        relayed.reportErrorsTo((error) =>
          this.#log.error({ err: error, link: message.link }, 'relayed session listener failed'),
        );
        this.#ownerLinks.set(message.link, relayed);
        relayed.on('close', () => this.#ownerLinks.delete(message.link));
        this.#options.createSession(relayed, {
          ...(message.resumeToken ? { resumeToken: message.resumeToken } : {}),
          quietFirstAnswer: message.frames.length > 1,
          hops: message.hops,
        });
        for (const frame of message.frames) relayed.deliver(frame);
        return;
      }
      case 'frame': {
        const relayed = this.#ownerLinks.get(message.link);
        if (relayed) {
          relayed.deliver(message.data);
          return;
        }
        const edge = this.#edgeLinks.get(message.link);
        if (edge) {
          if (edge.socket.readyState === edge.socket.OPEN) edge.socket.send(message.data);
          return;
        }
        // A link this node does not know (it restarted, or the session ended): the client
        // reconnects and resumes.
        void this.#options.bus.send(message.from, {
          type: 'close',
          link: message.link,
          code: CLOSE_SERVICE_RESTART,
          reason: 'reconnect',
        });
        return;
      }
      case 'ping': {
        // From the holder (is the client still there?) or from the edge (is the session?).
        const { bus } = this.#options;
        const { link, from } = message;
        if (this.#edgeLinks.has(link) || this.#ownerLinks.has(link)) {
          void bus.send(from, { type: 'pong', link });
        } else {
          void bus.send(from, { type: 'closed', link, code: 1006 });
          void bus.send(from, {
            type: 'close',
            link,
            code: CLOSE_SERVICE_RESTART,
            reason: 'reconnect',
          });
        }
        return;
      }
      case 'pong':
        this.#ownerLinks.get(message.link)?.pong();
        return;
      case 'close': {
        const edge = this.#edgeLinks.get(message.link);
        if (!edge) return;
        if (message.code === 1006) edge.socket.terminate();
        else edge.socket.close(message.code, message.reason);
        return;
      }
      case 'closed':
        this.#ownerLinks.get(message.link)?.remoteClosed(message.code);
        return;
    }
  }

  /**
   * The far end of each relayed connection must still be there: a client relayed to a node
   * that died reconnects (and resumes on a node that takes its consultation over); a session
   * held here for a node that died waits for its client to resume, as after a dropped
   * connection.
   */
  async #checkLiveness(): Promise<void> {
    // A slow Redis must not stack checks (each would count the same miss).
    if (this.#checking) return;
    this.#checking = true;
    try {
      await this.#judgeLiveness();
    } finally {
      this.#checking = false;
    }
  }

  async #judgeLiveness(): Promise<void> {
    if (Date.now() < this.#judgeLivenessAfter) {
      this.#misses.clear();
      return;
    }
    const nodes = new Set<string>();
    for (const { owner } of this.#edgeLinks.values()) nodes.add(owner);
    for (const relayed of this.#ownerLinks.values()) nodes.add(relayed.edge);
    for (const nodeId of nodes) {
      const alive = await this.#options.bus.isAlive(nodeId);
      if (alive !== false) {
        this.#misses.delete(nodeId);
        continue;
      }
      const misses = (this.#misses.get(nodeId) ?? 0) + 1;
      this.#misses.set(nodeId, misses);
      if (misses < MISSES_BEFORE_GONE) continue;
      this.#misses.delete(nodeId);
      this.#log.warn({ node: nodeId }, 'signaling node gone: its relayed connections end');
      for (const [link, edge] of [...this.#edgeLinks]) {
        if (edge.owner !== nodeId) continue;
        this.#edgeLinks.delete(link);
        edge.socket.close(CLOSE_SERVICE_RESTART, 'reconnect');
      }
      for (const relayed of [...this.#ownerLinks.values()]) {
        if (relayed.edge === nodeId) relayed.remoteClosed(1006);
      }
    }
  }
}
