import { randomBytes, randomUUID } from 'node:crypto';
import {
  errorResponse,
  type JoinedResult,
  type NotificationData,
  type NotificationFrame,
  type NotificationName,
  notificationFrame,
  type ParsedRequest,
  type ProtocolErrorBody,
  parseRequestFrame,
  type ServerFrame,
} from '@skjerm/protocol';
import type { Logger } from 'pino';
import { type AuditActor, type AuditLog, pseudonym } from '../audit/audit-log.ts';
import type { RefusalAudit } from '../audit/refusal-audit.ts';
import type { VerifiedIdentity } from '../auth/identity.ts';
import type { Consultation, ParticipantChannel } from '../consultations/consultation.ts';
import type { ConsultationRegistry } from '../consultations/consultation-registry.ts';
import { RequestError } from '../lib/request-error.ts';
import type { ServerMetrics } from '../metrics/metrics.ts';
import type { TurnCredentials } from '../turn/turn-credentials.ts';
import type { Authenticator } from './authenticator.ts';
import { handlers } from './handlers.ts';
import { RateLimiter } from './rate-limiter.ts';

/**
 * What a session needs of its connection: a WebSocket (ws), or on a signaling node that
 * holds a consultation for a client connected to another node, the relay standing in for it.
 */
export interface SessionSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message' | 'close' | 'error' | 'pong', listener: SocketListener): unknown;
  off(event: 'message' | 'close' | 'error' | 'pong', listener: SocketListener): unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: ws's overloads, each with its own listener type.
type SocketListener = (...args: any[]) => void;

/** Where a session may go on elsewhere (cluster mode: cluster/signaling-cluster.ts). */
/** A session's place in a consultation taken over from a node that died. */
export interface RestoredPlace {
  consultation: Consultation;
  /** The channel standing in for the place until its client resumes (and only then). */
  placeholder: ParticipantChannel;
  participantId?: string | undefined;
  waitingId?: string | undefined;
  issuer: string;
  subject: string;
  authenticatedAt: Date;
}

export interface SessionCluster {
  /** Before entering a consultation: returns if it is held here, else throws HandOff. */
  routeJoin(consultationId: string): Promise<void>;
  /**
   * A resume token this node does not know: throws HandOff when the session lives on
   * another node; the place, when its node died and the consultation was taken over here.
   */
  routeResume(token: string): Promise<RestoredPlace | undefined>;
  /** The resume token's place was taken over by a new session: it cannot be used again. */
  consumed(token: string): void;
  /** The session's connection now belongs to the node holding its consultation. */
  handOff(session: SignalingSession, socket: SessionSocket, owner: string, frames: string[]): void;
  /** A session's place changed (admitted, waiting, left): remembered for resumes elsewhere. */
  remember(session: SignalingSession): void;
  forget(session: SignalingSession): void;
}

/**
 * Thrown by a handler when the consultation it needs is held by another signaling node: the
 * connection is handed over to that node, which answers the request.
 */
export class HandOff extends Error {
  readonly owner: string;
  /** Whether the hello frame goes along (a join after hello) or is the request (a resume). */
  readonly withHello: boolean;
  constructor(owner: string, withHello: boolean) {
    super(`held by ${owner}`);
    this.name = 'HandOff';
    this.owner = owner;
    this.withHello = withHello;
  }
}

export interface SessionOptions {
  /** The resume token the client already holds (a session handed over from another node). */
  resumeToken?: string;
  /** The first request was answered by the node that handed the session over: stay silent. */
  quietFirstAnswer?: boolean;
  /** Hand-overs this connection had before reaching this node. */
  hops?: number;
}

/** A connection is handed over once; a second hand-over (a holder changed meanwhile) is refused. */
const MAX_HOPS = 1;
/**
 * greeting → (hello) ready → (join) joined, or waiting → (admitted) joined; leaving, being
 * denied, removed or the end of the consultation go back to ready; closed at the end.
 */
export type SessionState = 'greeting' | 'ready' | 'waiting' | 'joined' | 'closed';

export interface SessionContext {
  registry: ConsultationRegistry;
  authenticator: Authenticator;
  audit: AuditLog;
  /** Refused authentications, audited with a cap per minute (anonymous clients can flood). */
  refusals: RefusalAudit;
  metrics: ServerMetrics;
  log: Logger;
  plainRtp: boolean;
  /** ICE servers (TURN relays with fresh credentials) for each WebRTC transport. */
  turn: TurnCredentials;
  messagesPerSecond: number;
  /**
   * Sessions in a consultation, by resume token: live ones (a client may reconnect before
   * the server notices its old connection died) and dropped ones until their grace ends.
   */
  resumable: Map<string, SignalingSession>;
  /** Other signaling nodes (role signaling); undefined when this node is all there is. */
  cluster?: SessionCluster | undefined;
}

/** WebSocket close codes (RFC 6455 §7.4.1). */
const CLOSE_POLICY = 1008;
const CLOSE_GOING_AWAY = 1001;
/** Reconnect and resume (RFC 6455 §7.4.1: the service is restarting). */
const CLOSE_SERVICE_RESTART = 1012;

/** Milliseconds a connection may take to say hello. */
const HELLO_TIMEOUT_MS = 15_000;

/**
 * A participant whose network died leaves the roster within OFF_ROSTER_WITHIN_MS of it, yet a
 * client that was offline for a few seconds (a train tunnel, a Wi-Fi hand-over) gets its place
 * back. How long a dropped session waits depends on how its death was noticed:
 *
 * - The connection closed without a closing handshake (a reset, a proxy cutting it): that is
 *   the moment of death, so the session may wait almost the whole allowance.
 * - No pong came: the network died up to two ping intervals earlier (a connection that misses
 *   one pong is dropped at the next ping), so the session waits only what is left.
 */
const HEARTBEAT_MS = 3_000;
/** A call's notifications in a few seconds are dozens; past this, something else is wrong. */
const MAX_HELD_NOTIFICATIONS = 1_000;
const OFF_ROSTER_WITHIN_MS = 10_000;
export const RESUME_GRACE_AFTER_DROP_MS = OFF_ROSTER_WITHIN_MS - 1_000;
export const RESUME_GRACE_AFTER_MISSED_PONG_MS = OFF_ROSTER_WITHIN_MS - 2 * HEARTBEAT_MS - 500;

/** Close codes of a client that left on purpose (RFC 6455): no resume is waited for. */
const DELIBERATE_CLOSE_CODES = new Set([1000, 1001]);

/**
 * One signaling connection: parses and validates every frame, enforces the rate limit and
 * the state machine, runs requests one at a time (so no two of a client's requests
 * interleave), and turns every failure into an error response that changed nothing.
 */
export class SignalingSession implements ParticipantChannel {
  readonly id = randomUUID();
  /** Lets a reconnecting client take this session over (see hello's `resume`). */
  readonly resumeToken: string;
  /** Hand-overs this connection had before reaching this node. */
  readonly hops: number;
  readonly #socket: SessionSocket;
  readonly #context: SessionContext;
  readonly #log: Logger;
  readonly #limiter: RateLimiter;
  #state: SessionState = 'greeting';
  #identity: VerifiedIdentity | undefined;
  #authenticatedAt: Date | undefined;
  #consultation: Consultation | undefined;
  #participantId: string | undefined;
  #waitingId: string | undefined;
  #queue: Promise<void> = Promise.resolve();
  readonly #helloTimer: NodeJS.Timeout;
  readonly #heartbeat: NodeJS.Timeout;
  /** The heartbeat, not the network, ended the connection (see RESUME_GRACE_AFTER_DROP_MS). */
  #missedPong = false;
  #alive = true;
  #graceTimer: NodeJS.Timeout | undefined;
  /**
   * Notifications kept for the client instead of sent: while the connection is down (so the
   * key envelopes and new producers of those seconds are not lost), and on the connection
   * that resumes until its hello answer is out (a client listens for notifications only then).
   */
  #held: NotificationFrame[] | undefined;
  #holding: 'dropped' | 'until-answer' | undefined;
  /** More was missed than MAX_HELD_NOTIFICATIONS: this session cannot be resumed. */
  #heldOverflow = false;
  /** The hello this session began with, as it arrived (a hand-over passes it on). */
  #helloFrame: string | undefined;
  #quietAnswer: boolean;
  readonly #listeners: [event: 'message' | 'close' | 'error' | 'pong', SocketListener][];

  constructor(socket: SessionSocket, context: SessionContext, options: SessionOptions = {}) {
    this.resumeToken = options.resumeToken ?? randomBytes(32).toString('base64url');
    this.#quietAnswer = options.quietFirstAnswer === true;
    this.hops = options.hops ?? 0;
    this.#socket = socket;
    this.#context = context;
    this.#log = context.log.child({ sessionId: this.id });
    this.#limiter = new RateLimiter(context.messagesPerSecond, context.messagesPerSecond * 4);
    context.metrics.sessions.inc();
    this.#listeners = [
      ['message', (data: Buffer, isBinary: boolean) => this.#onFrame(data, isBinary)],
      ['close', (code: number) => this.#onSocketClosed(code)],
      ['error', (error: Error) => this.#log.debug({ err: error }, 'socket error')],
      [
        'pong',
        () => {
          this.#alive = true;
        },
      ],
    ];
    for (const [event, listener] of this.#listeners) socket.on(event, listener);
    this.#helloTimer = setTimeout(() => {
      if (this.#state === 'greeting') this.#socket.close(CLOSE_POLICY, 'no hello');
    }, HELLO_TIMEOUT_MS);
    this.#helloTimer.unref();
    this.#heartbeat = setInterval(() => {
      if (!this.#alive) {
        this.#log.info('no pong: dropping the connection');
        this.#missedPong = true;
        socket.terminate();
        return;
      }
      this.#alive = false;
      socket.ping();
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** When this session's token was accepted (a resumed session: when its first one was). */
  get authenticatedAt(): Date | undefined {
    return this.#authenticatedAt;
  }

  get state(): SessionState {
    return this.#state;
  }

  get consultation(): Consultation | undefined {
    return this.#consultation;
  }

  get participantId(): string | undefined {
    return this.#participantId;
  }

  /** The hello being handled was answered already, by the node that handed this over. */
  get replayingHello(): boolean {
    return this.#quietAnswer;
  }

  get identity(): VerifiedIdentity | undefined {
    return this.#identity;
  }

  requireIdentity(): VerifiedIdentity {
    if (!this.#identity) throw new RequestError('out-of-order', 'say hello first');
    return this.#identity;
  }

  auditActor(): AuditActor | undefined {
    return this.#identity
      ? {
          actor: pseudonym(this.#identity.issuer, this.#identity.subject),
          role: this.#identity.role,
        }
      : undefined;
  }

  /** True once the connection is gone: handlers re-check it after every await. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  authenticate(identity: VerifiedIdentity): void {
    if (this.closed) throw new RequestError('out-of-order', 'the connection closed');
    this.#identity = identity;
    this.#authenticatedAt = new Date();
    this.#state = 'ready';
    clearTimeout(this.#helloTimer);
  }

  /** Whether `identity` is the person this session belongs to. */
  isSessionOf(identity: VerifiedIdentity): boolean {
    const own = this.#identity;
    return own !== undefined && own.issuer === identity.issuer && own.subject === identity.subject;
  }

  /**
   * Takes over a session of the same person, dropped or not yet noticed to be: its place in
   * the consultation (in the call or in the waiting room) moves to this connection; the old
   * one ends without leaving. Transports and producers stay on the server; the client
   * restarts ICE. Undefined (and nothing changed) when it cannot be taken over.
   */
  resume(
    previous: SignalingSession,
  ): { state: 'joined' | 'waiting'; consultationId: string; joined?: JoinedResult } | undefined {
    const consultation = previous.#consultation;
    const identity = this.#identity;
    if (previous === this || previous.closed || this.closed) return undefined;
    if (!consultation || !identity || !previous.isSessionOf(identity)) return undefined;
    // Too much was missed to be delivered: the client must join afresh.
    if (previous.#heldOverflow) return undefined;
    // The session goes on: its age (for an expired token's resume) is its first connection's.
    if (
      previous.#authenticatedAt &&
      previous.#authenticatedAt < (this.#authenticatedAt ?? new Date())
    ) {
      this.#authenticatedAt = previous.#authenticatedAt;
    }
    // What the old connection missed goes out after this one's hello answer (a client listens
    // for notifications only then), followed by the state rebind() sends.
    this.#held = previous.#held ?? [];
    this.#holding = 'until-answer';
    previous.#held = undefined;
    previous.#finish('resumed elsewhere');
    const participantId = previous.#participantId;
    const waitingId = previous.#waitingId;
    const joined = participantId ? consultation.rebind(participantId, this) : undefined;
    if (participantId && joined) {
      this.admitted(consultation, participantId);
      return { state: 'joined', consultationId: consultation.id, joined };
    }
    if (waitingId && consultation.rebindWaiting(waitingId, this)) {
      this.waiting(consultation, waitingId);
      return { state: 'waiting', consultationId: consultation.id };
    }
    return undefined;
  }

  /**
   * Takes the place this person had in a consultation taken over from a signaling node that
   * died (cluster mode): like resume(), but the old session went with its node. Its media
   * starts over here, so the client is told so right after the hello answer.
   */
  resumeRestored(
    place: RestoredPlace,
  ): { state: 'joined' | 'waiting'; consultationId: string; joined?: JoinedResult } | undefined {
    const identity = this.#identity;
    if (!identity || this.closed) return undefined;
    if (identity.issuer !== place.issuer || identity.subject !== place.subject) return undefined;
    if (place.authenticatedAt < (this.#authenticatedAt ?? new Date())) {
      this.#authenticatedAt = place.authenticatedAt;
    }
    const { consultation, participantId, waitingId } = place;
    this.#held = [];
    this.#holding = 'until-answer';
    const joined = participantId
      ? consultation.rebind(participantId, this, place.placeholder)
      : undefined;
    if (participantId && joined) {
      this.admitted(consultation, participantId);
      this.notify('mediaReset', { reason: 'signaling-node-lost' });
      return { state: 'joined', consultationId: consultation.id, joined };
    }
    if (waitingId && consultation.rebindWaiting(waitingId, this, place.placeholder)) {
      this.waiting(consultation, waitingId);
      return { state: 'waiting', consultationId: consultation.id };
    }
    this.#held = undefined;
    this.#holding = undefined;
    return undefined;
  }

  /** In the call (directly, or admitted from the waiting room). */
  admitted(consultation: Consultation, participantId: string): void {
    if (this.closed) return;
    this.#consultation = consultation;
    this.#participantId = participantId;
    this.#waitingId = undefined;
    this.#state = 'joined';
    this.#context.resumable.set(this.resumeToken, this);
    this.#context.cluster?.remember(this);
  }

  /** In one's own waiting room. */
  waiting(consultation: Consultation, waitingId: string): void {
    if (this.closed) return;
    this.#consultation = consultation;
    this.#waitingId = waitingId;
    this.#state = 'waiting';
    this.#context.resumable.set(this.resumeToken, this);
    this.#context.cluster?.remember(this);
  }

  /** The consultation let go of this session (denied, removed, ended, replaced). */
  detached(): void {
    this.#context.resumable.delete(this.resumeToken);
    if (this.#consultation) this.#context.cluster?.forget(this);
    this.#consultation = undefined;
    this.#participantId = undefined;
    this.#waitingId = undefined;
    if (this.#state === 'joined' || this.#state === 'waiting') this.#state = 'ready';
  }

  get waitingId(): string | undefined {
    return this.#waitingId;
  }

  /** Leaves the waiting room or the call, by request or because the connection closed. */
  leaveConsultation(): void {
    const consultation = this.#consultation;
    const participantId = this.#participantId;
    const waitingId = this.#waitingId;
    this.detached();
    if (!consultation) return;
    if (participantId) consultation.leave(participantId);
    if (waitingId) consultation.leaveWaiting(waitingId);
    // Runs from socket and timer callbacks: a failing write must not take the process down.
    try {
      this.#context.audit.record({
        type: participantId ? 'left' : 'stopped-waiting',
        consultationId: consultation.id,
        actor: this.auditActor(),
        outcome: 'success',
        ...(participantId ? { detail: { participantId } } : {}),
      });
    } catch (error) {
      this.#log.error({ err: error }, 'cannot write the audit entry for leaving');
    }
  }

  notify<N extends NotificationName>(notification: N, data: NotificationData<N>): void {
    const frame = notificationFrame(notification, data);
    if (this.#holding === undefined) {
      this.#send(frame);
      return;
    }
    // While dropped, rosters and waiting lists need not be kept: a resume sends the current
    // ones (rebind). Everything else (key envelopes above all) must arrive.
    if (
      this.#holding === 'dropped' &&
      (notification === 'rosterChanged' || notification === 'waitingListChanged')
    ) {
      return;
    }
    this.#held ??= [];
    const held = this.#held;
    if (held.length < MAX_HELD_NOTIFICATIONS) held.push(frame);
    else this.#heldOverflow = true;
  }

  /** After a resuming hello's answer: what the connection missed, in order. */
  #releaseHeld(): void {
    if (this.#holding !== 'until-answer' || this.#socket.readyState !== this.#socket.OPEN) return;
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#holding = undefined;
    for (const frame of held) this.#send(frame);
  }

  /**
   * A signaling node of a cluster stops (a rolling restart): the client is asked to reconnect
   * (1012), and resumes on another node, which takes the consultation over from what this
   * node shared. Nothing is left: the place stays where the other nodes can find it.
   */
  moveOut(): void {
    this.#finish('reconnect', { keepShared: true, closeCode: CLOSE_SERVICE_RESTART });
  }

  /** Server shutdown: tell the client, leave (audited now, while storage is open), close. */
  shutdown(): void {
    this.notify('serverShutdown', {});
    this.#onClose('server shutting down');
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    const verdict = this.#limiter.take();
    if (verdict === 'disconnect') {
      this.#log.warn('signaling flood; disconnecting');
      this.#socket.close(CLOSE_POLICY, 'rate limit exceeded');
      return;
    }
    if (verdict === 'refuse') {
      // Refused before parsing: a flood costs the server as little as possible.
      this.#fail(null, { code: 'rate-limited', message: 'too many messages; slow down' });
      return;
    }
    const frame = isBinary ? undefined : data.toString('utf8');
    const parsed = isBinary
      ? ({
          ok: false,
          id: null,
          error: { code: 'bad-request', message: 'send text frames' },
        } as const)
      : parseRequestFrame(frame ?? '');
    if (!parsed.ok) {
      this.#fail(parsed.id, parsed.error);
      return;
    }
    // One request at a time: each sees the state the previous one left.
    this.#queue = this.#queue.then(() => this.#handle(parsed.request, frame));
  }

  /** `frame`: the request as it arrived (a hand-over passes it on unchanged). */
  async #handle(request: ParsedRequest, frame: string | undefined): Promise<void> {
    if (this.#state === 'closed') return;
    const entry = handlers[request.method];
    if (!(entry.states as readonly SessionState[]).includes(this.#state)) {
      this.#fail(request.id, {
        code: 'out-of-order',
        message: `${request.method} is not allowed ${describeState(this.#state)}`,
      });
      return;
    }
    try {
      const handle = entry.handle as (
        session: SignalingSession,
        params: unknown,
        context: SessionContext,
      ) => Promise<unknown>;
      const result = await handle(this, request.params, this.#context);
      this.#answer({ id: request.id, ok: true, result });
      if (request.method === 'hello') {
        this.#helloFrame = frame;
        this.#releaseHeld();
      }
    } catch (error) {
      if (error instanceof HandOff && this.hops < MAX_HOPS) {
        this.#handOff(error, frame);
        return;
      }
      if (error instanceof HandOff) {
        // The holder changed while this connection was being handed over: start afresh.
        this.#answer(
          errorResponse(request.id, {
            code: 'unavailable',
            message: 'the call moved; reconnect and resume',
          }),
        );
        this.#finish('reconnect', { keepShared: true, closeCode: CLOSE_SERVICE_RESTART });
        return;
      }
      const body = this.#errorBody(request.method, error);
      this.#context.metrics.signalingErrors.inc({ code: body.code });
      this.#answer(errorResponse(request.id, body));
      // A refused token ends the connection: trying tokens costs a new connection each.
      // Ended at once, so that no request sent in the same burst runs on the refused token.
      if (request.method === 'hello' && body.code === 'unauthenticated') {
        this.#finish('authentication failed', { closeCode: CLOSE_POLICY });
      }
    }
  }

  #errorBody(method: string, error: unknown): ProtocolErrorBody {
    if (error instanceof RequestError) {
      return {
        code: error.code,
        message: error.message,
        ...(error.detail ? { detail: error.detail } : {}),
      };
    }
    // mediasoup refuses what it cannot use (bad RTP or DTLS parameters) with TypeError /
    // UnsupportedError before touching state: that is the client's mistake, not ours.
    const name = (error as { name?: unknown }).name;
    if (error instanceof TypeError || name === 'UnsupportedError') {
      this.#log.warn({ err: error, method }, 'request refused by mediasoup');
      return { code: 'bad-request', message: `${method}: ${(error as Error).message}` };
    }
    if (name === 'InvalidStateError') {
      return { code: 'unavailable', message: `${method}: media is being restarted; try again` };
    }
    this.#log.error({ err: error, method }, 'request failed');
    return { code: 'internal', message: `${method} failed on the server` };
  }

  /** A request's answer; the first one stays unsent on a session handed over (see options). */
  #answer(frame: ServerFrame): void {
    if (this.#quietAnswer) {
      this.#quietAnswer = false;
      return;
    }
    this.#send(frame);
  }

  /**
   * Another node holds the consultation: this node lets go of the connection (without
   * leaving anything: this session never got a place) and relays it to that node from now.
   */
  #handOff(handOff: HandOff, frame: string | undefined): void {
    const cluster = this.#context.cluster;
    if (!cluster || frame === undefined || this.#state === 'closed') return;
    const frames = handOff.withHello && this.#helloFrame ? [this.#helloFrame, frame] : [frame];
    for (const [event, listener] of this.#listeners) this.#socket.off(event, listener);
    this.#finish('handed over', { keepSocket: true });
    cluster.handOff(this, this.#socket, handOff.owner, frames);
  }

  #fail(id: number | null, error: ProtocolErrorBody): void {
    this.#context.metrics.signalingErrors.inc({ code: error.code });
    this.#send(errorResponse(id, error));
  }

  #send(frame: ServerFrame): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.send(JSON.stringify(frame));
  }

  /**
   * A connection that dropped (no closing handshake from a client that meant to go) keeps
   * its place for a while (see RESUME_GRACE_AFTER_DROP_MS), so a client on a flaky network can
   * reconnect and resume.
   */
  #onSocketClosed(code: number): void {
    if (this.#state === 'closed' || this.#graceTimer) return;
    const inConsultation = this.#state === 'joined' || this.#state === 'waiting';
    if (!inConsultation || DELIBERATE_CLOSE_CODES.has(code)) {
      this.#onClose();
      return;
    }
    clearInterval(this.#heartbeat);
    // Notifications wait for the resume (kept if this connection itself was resuming).
    this.#holding = 'dropped';
    this.#held ??= [];
    const grace = this.#missedPong ? RESUME_GRACE_AFTER_MISSED_PONG_MS : RESUME_GRACE_AFTER_DROP_MS;
    this.#graceTimer = setTimeout(() => this.#onClose(), grace);
    this.#graceTimer.unref();
  }

  #onClose(reason = 'closed'): void {
    if (this.#state === 'closed') return;
    this.leaveConsultation();
    this.#finish(reason);
  }

  /** Ends this session's bookkeeping without touching the consultation. */
  #finish(
    reason: string,
    options: { keepSocket?: boolean; keepShared?: boolean; closeCode?: number } = {},
  ): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#context.resumable.delete(this.resumeToken);
    if (this.#consultation && !options.keepShared) this.#context.cluster?.forget(this);
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#helloTimer);
    clearInterval(this.#heartbeat);
    this.#context.metrics.sessions.dec();
    if (options.keepSocket) return;
    if (this.#socket.readyState === this.#socket.OPEN) {
      this.#socket.close(options.closeCode ?? CLOSE_GOING_AWAY, reason);
    }
  }
}

function describeState(state: SessionState): string {
  switch (state) {
    case 'greeting':
      return 'before hello';
    case 'ready':
      return 'before join (or after leave)';
    case 'waiting':
      return 'while waiting to be admitted';
    case 'joined':
      return 'while joined';
    case 'closed':
      return 'after close';
  }
}
