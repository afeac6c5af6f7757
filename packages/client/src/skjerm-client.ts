import type { TransformEnvironment } from '@skjerm/e2ee';
import {
  type JoinedResult,
  type NotificationData,
  type NotificationName,
  PROTOCOL_VERSION,
  type RosterMember,
} from '@skjerm/protocol';
import { Call, type CallNotification, type ClientStats, isCallNotification } from './call.ts';
import type { BrowserEnvironment } from './capabilities.ts';
import { requireEncodedTransformApi } from './capabilities.ts';
import type {
  CloseReason,
  Greeting,
  InviteInfo,
  JoinedInfo,
  JoinTarget,
  LeaveReason,
  SkjermClientEvents,
  SkjermClientOptions,
} from './client-types.ts';
import { SkjermClientError, toClientError } from './errors.ts';
import { TypedEmitter } from './lib/typed-emitter.ts';
import type { LocalTrack, MediaKind, RemoteTrack } from './media/tracks.ts';
import type { MediaSignaling } from './media/transport.ts';
import { DELIBERATE_CLOSE_CODES, reconnectAndResume } from './signaling/resume.ts';
import { type Notification, SignalingConnection } from './signaling/signaling-connection.ts';
import { type ClientState, ClientStateMachine } from './state.ts';

type SessionNotificationHandlers = {
  [N in Exclude<NotificationName, CallNotification>]: (data: NotificationData<N>) => void;
};

/**
 * A Skjerm participant in the browser: signs in with a token, joins a consultation (through
 * the waiting room when invited), sends camera and microphone encrypted end to end with SFrame,
 * receives everyone else's, and keeps keys in step with the roster. It refuses to join in a
 * browser that cannot transform encoded frames: Skjerm never sends media unencrypted.
 */
export class SkjermClient extends TypedEmitter<SkjermClientEvents> {
  readonly #options: SkjermClientOptions;
  readonly #state = new ClientStateMachine((state, previous) =>
    this.safeEmit('statechange', state, previous),
  );
  #signaling: SignalingConnection | undefined;
  /** What Call and its media send through: whichever connection is current. */
  readonly #requests: MediaSignaling = {
    request: async (method, params) => this.#requireSignaling().request(method, params),
  };
  #token: string | undefined;
  #resumeToken: string | undefined;
  #call: Call | undefined;
  #worker: Worker | undefined;
  #pendingJoin:
    | { resolve: (info: JoinedInfo) => void; reject: (error: SkjermClientError) => void }
    | undefined;

  constructor(options: SkjermClientOptions) {
    super();
    this.#options = options;
  }

  get state(): ClientState {
    return this.#state.state;
  }

  get participantId(): string | undefined {
    return this.#call?.participantId;
  }

  get roster(): readonly RosterMember[] {
    return this.#call?.roster ?? [];
  }

  get safetyCode(): string | undefined {
    return this.#call?.safetyCode;
  }

  /** KID our frames are encrypted under (senderSlot * 2^16 + epoch). */
  get senderKid(): bigint | undefined {
    return this.#call?.senderKid;
  }

  get remoteTracks(): RemoteTrack[] {
    return this.#call?.remoteTracks ?? [];
  }

  /** The tracks we publish, each with its muted state. */
  get localTracks(): readonly LocalTrack[] {
    return this.#call?.localTracks ?? [];
  }

  /** Opens the signaling connection and authenticates with an OIDC access token. */
  async connect(token: string): Promise<Greeting> {
    this.#state.require('connect', 'new');
    this.#state.transition('connecting');
    try {
      const { url, createSocket, requestTimeoutMs } = this.#options;
      const signaling = await SignalingConnection.connect(url, { createSocket, requestTimeoutMs });
      this.#attach(signaling);
      const hello = await signaling.request('hello', { protocolVersion: PROTOCOL_VERSION, token });
      this.#token = token;
      this.#resumeToken = hello.resumeToken;
      this.#state.transition('connected');
      return { sessionId: hello.sessionId, name: hello.name, role: hello.role };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** What an invite is for, to show before joining with it (refused if it is someone else's). */
  async inspectInvite(invite: string): Promise<InviteInfo> {
    this.#state.require('inspectInvite', 'connected');
    return this.#requireSignaling().request('inspectInvite', { invite });
  }

  /**
   * Joins a consultation; resolves once in the call (after admission, when invited). Throws
   * 'unsupported-browser' before contacting the server if media cannot be encrypted here.
   */
  async join(target: JoinTarget): Promise<JoinedInfo> {
    this.#state.require('join', 'connected');
    const api = requireEncodedTransformApi(this.#environment);
    const signaling = this.#requireSignaling();
    this.#state.transition('joining');
    let call: Call | undefined;
    let inConsultation = false;
    try {
      call = await Call.prepare({
        signaling: this.#requests,
        worker: this.#e2eeWorker(),
        transformApi: api,
        environment: this.#environment,
        handlerFactory: this.#options.handlerFactory,
        iceTransportPolicy: this.#options.iceTransportPolicy,
      });
      this.#call = call;
      this.#wire(call);
      const answer = await signaling.request('join', {
        ...target,
        e2ee: call.publicKeys,
        rtpCapabilities: (await call.receiveCapabilities()) as unknown as Record<string, unknown>,
      });
      inConsultation = true;
      if (answer.status === 'joined') return await this.#enter(answer);
      this.#state.transition('waiting');
      const admitted = new Promise<JoinedInfo>((resolve, reject) => {
        this.#pendingJoin = { resolve, reject };
      });
      this.safeEmit('waiting', {
        consultationId: answer.consultationId,
        title: answer.title,
        clinicians: answer.clinicians,
      });
      return await admitted;
    } catch (error) {
      // Only undo what this join did: a denial may already have moved on to a new join.
      if (call !== undefined && this.#call === call) {
        this.#leaveCall();
        if (inConsultation) void signaling.request('leave', {}).catch(() => undefined);
        if (this.#state.state === 'joining' || this.#state.state === 'waiting') {
          this.#state.transition('connected');
        }
      }
      throw error;
    }
  }

  /** Sends a camera (VP8) or microphone (Opus) track, encrypted. */
  async publish(track: MediaStreamTrack): Promise<LocalTrack> {
    this.#state.require('publish', 'joined');
    return this.#requireCall().publish(track);
  }

  async unpublish(local: LocalTrack): Promise<void> {
    this.#state.require('unpublish', 'joined');
    await this.#requireCall().unpublish(local);
  }

  /**
   * Mutes or unmutes one of our tracks: the track is disabled (the encoder gets nothing worth
   * sending) and the server stops forwarding it and updates the roster. Emits 'localmute'.
   */
  /** Sends `track` instead of a published one of the same kind (see Publisher.replaceTrack). */
  async replaceTrack(local: LocalTrack, track: MediaStreamTrack): Promise<void> {
    this.#state.require('replaceTrack', 'joined');
    await this.#requireCall().replaceTrack(local, track);
  }

  async setMuted(local: LocalTrack, muted: boolean): Promise<void> {
    this.#state.require('setMuted', 'joined');
    await this.#requireCall().setMuted(local, muted);
  }

  /** Hosts: let a waiting invitee in. */
  async admit(waitingId: string): Promise<void> {
    this.#state.require('admit', 'joined');
    await this.#requireSignaling().request('admit', { waitingId });
  }

  /** Hosts: send a waiting invitee away. */
  async deny(waitingId: string): Promise<void> {
    this.#state.require('deny', 'joined');
    await this.#requireSignaling().request('deny', { waitingId });
  }

  /** Hosts: pause a participant's audio or video; they may unmute themselves. */
  async mute(participantId: string, kind: MediaKind): Promise<void> {
    this.#state.require('mute', 'joined');
    await this.#requireSignaling().request('mute', { participantId, kind });
  }

  /** Hosts: take a participant out of the consultation; they may not come back into it. */
  async remove(participantId: string): Promise<void> {
    this.#state.require('remove', 'joined');
    await this.#requireSignaling().request('remove', { participantId });
  }

  /** Hosts: end the consultation for everyone, the waiting included ('left' with 'ended'). */
  async end(): Promise<void> {
    this.#state.require('end', 'joined');
    await this.#requireSignaling().request('end', {});
  }

  /** The safety code was compared aloud and matched, for the current membership. */
  async confirmSafetyCode(): Promise<void> {
    this.#state.require('confirmSafetyCode', 'joined');
    await this.#requireSignaling().request('confirmSafetyCode', {});
  }

  async getStats(): Promise<ClientStats> {
    this.#state.require('getStats', 'joined');
    return this.#requireCall().getStats();
  }

  /**
   * TEST ONLY: copies of the next `count` frames each of our senders encrypts, taken in the
   * E2EE worker before encryption, so a browser test can check that none of their bytes reach
   * the server. Exists only in bundles built with `bundleClient({ testHooks: true })`;
   * elsewhere it rejects with 'unsupported' (the worker has no such message there either).
   */
  async samplePlaintextFrames(count: number): Promise<Uint8Array[]> {
    if (typeof SKJERM_TEST_HOOKS !== 'undefined' && SKJERM_TEST_HOOKS === true) {
      this.#state.require('samplePlaintextFrames', 'joined');
      return this.#requireCall().samplePlaintextFrames(count);
    }
    throw new SkjermClientError('unsupported', 'samplePlaintextFrames exists only in test bundles');
  }

  /** Leaves the consultation (or the waiting room); the connection stays open. */
  async leave(): Promise<void> {
    this.#state.require('leave', 'joined', 'waiting');
    const signaling = this.#requireSignaling();
    this.#rejectPendingJoin(new SkjermClientError('invalid-state', 'left before being admitted'));
    this.#endCall('left');
    await signaling.request('leave', {});
  }

  /** Closes everything: the call, the worker and the connection. Idempotent. */
  close(): void {
    this.#shutdown('closed');
  }

  #shutdown(reason: CloseReason): void {
    if (this.#state.state === 'closed') return;
    // Closed first: the socket's own close event then finds nothing left to do.
    this.#state.transition('closed');
    this.#rejectPendingJoin(new SkjermClientError('connection-closed', 'the client was closed'));
    this.#leaveCall();
    this.#signaling?.close();
    this.#signaling = undefined;
    this.#worker?.terminate();
    this.#worker = undefined;
    this.safeEmit('close', reason);
  }

  get #environment(): BrowserEnvironment & TransformEnvironment {
    return this.#options.environment ?? globalThis;
  }

  #e2eeWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const { createE2eeWorker, e2eeWorkerUrl } = this.#options;
    if (createE2eeWorker) this.#worker = createE2eeWorker();
    else if (e2eeWorkerUrl !== undefined)
      this.#worker = new Worker(e2eeWorkerUrl, { type: 'module' });
    else throw new SkjermClientError('invalid-state', 'give e2eeWorkerUrl or createE2eeWorker');
    return this.#worker;
  }

  async #enter(joined: JoinedResult): Promise<JoinedInfo> {
    const call = this.#requireCall();
    await call.enter(joined);
    this.#state.transition('joined');
    const info: JoinedInfo = {
      consultationId: joined.consultationId,
      participantId: joined.participantId,
      senderSlot: joined.senderSlot,
      roster: joined.roster,
    };
    this.safeEmit('joined', info);
    this.safeEmit('roster', joined.roster);
    return info;
  }

  #wire(call: Call): void {
    call.on('safetycode', (code) => this.safeEmit('safetycode', code));
    call.on('senderkey', (change) => this.safeEmit('senderkey', change));
    call.on('keyerror', (error) => this.safeEmit('e2eeerror', error));
    call.on('track', (remote) => this.safeEmit('track', remote));
    call.on('trackended', (remote) => this.safeEmit('trackended', remote));
    call.on('localtrackclosed', (local, reason) =>
      this.safeEmit('localtrackclosed', local, reason),
    );
    call.on('localmute', (local, muted, by) => this.safeEmit('localmute', local, muted, by));
    call.on('mutedbyhost', (kind) => this.safeEmit('mutedbyhost', kind));
    call.on('error', (error) => this.safeEmit('error', error));
    call.on('roster', (roster) => this.safeEmit('roster', roster));
    call.on('mediareset', () => this.safeEmit('mediareset'));
    call.on('connectionstate', (direction, state) =>
      this.safeEmit('connectionstate', direction, state),
    );
  }

  /** Session-level notifications; the call's own go to the Call (CALL_NOTIFICATIONS). */
  readonly #handlers: SessionNotificationHandlers = {
    waitingListChanged: ({ waiting }) => this.safeEmit('waitinglist', waiting),
    admitted: (joined) => {
      const pending = this.#pendingJoin;
      this.#pendingJoin = undefined;
      if (pending === undefined || this.#state.state !== 'waiting') return;
      // A failure rejects join(), whose catch undoes the call.
      this.#enter(joined).then(pending.resolve, (error: unknown) =>
        pending.reject(toClientError(error, 'media-failed')),
      );
    },
    denied: () =>
      this.#removedByServer('denied', 'admission-denied', 'a host declined to admit you'),
    removed: () => this.#removedByServer('removed', 'removed', 'a host removed you'),
    consultationEnded: () =>
      this.#removedByServer('ended', 'consultation-ended', 'the consultation has ended'),
    serverShutdown: () => this.#shutdown('server-shutdown'),
  };

  #onNotification(frame: Notification): void {
    if (isCallNotification(frame)) this.#call?.handleNotification(frame);
    else (this.#handlers[frame.notification] as (data: unknown) => void)(frame.data);
  }

  #removedByServer(
    reason: LeaveReason,
    code: 'admission-denied' | 'removed' | 'consultation-ended',
    message: string,
  ): void {
    this.#rejectPendingJoin(new SkjermClientError(code, message));
    if (this.#state.state === 'joined' || this.#state.state === 'waiting') this.#endCall(reason);
  }

  #endCall(reason: LeaveReason): void {
    this.#leaveCall();
    if (this.#state.state !== 'closed') this.#state.transition('connected');
    this.safeEmit('left', reason);
  }

  #leaveCall(): void {
    this.#call?.close();
    this.#call = undefined;
  }

  #rejectPendingJoin(error: SkjermClientError): void {
    const pending = this.#pendingJoin;
    this.#pendingJoin = undefined;
    pending?.reject(error);
  }

  #attach(signaling: SignalingConnection): void {
    this.#signaling = signaling;
    signaling.on('notification', (frame) => this.#onNotification(frame));
    signaling.on('close', (code) => {
      if (this.#signaling === signaling) this.#onConnectionClosed(code);
    });
  }

  #onConnectionClosed(code: number): void {
    if (this.#state.state === 'closed') return;
    this.#signaling = undefined;
    const where = this.#state.state;
    const token = this.#token;
    const resumeToken = this.#resumeToken;
    if (
      (where === 'joined' || where === 'waiting') &&
      !DELIBERATE_CLOSE_CODES.has(code) &&
      token !== undefined &&
      resumeToken !== undefined
    ) {
      void this.#resume(where, token, resumeToken);
      return;
    }
    this.#rejectPendingJoin(
      new SkjermClientError('connection-closed', `signaling closed (${code})`),
    );
    if (where === 'joined' || where === 'waiting') this.safeEmit('left', 'connection-closed');
    this.#shutdown('connection-closed');
  }

  /**
   * The connection dropped while in a consultation: reconnect and take the session back
   * (hello.resume). In the call, transports and producers stayed on the server; ICE restarts.
   */
  async #resume(where: 'joined' | 'waiting', token: string, resumeToken: string): Promise<void> {
    this.#state.transition('reconnecting');
    this.safeEmit('reconnecting');
    const { url, createSocket, requestTimeoutMs } = this.#options;
    try {
      const { signaling, hello } = await reconnectAndResume({
        url,
        token,
        resumeToken,
        createSocket,
        requestTimeoutMs,
      });
      if (this.#state.state !== 'reconnecting') {
        signaling.close();
        return;
      }
      this.#attach(signaling);
      this.#resumeToken = hello.resumeToken;
      if (hello.resumed?.state !== where) {
        // The server let the session go: out of the consultation, but connected.
        this.#state.transition('connected');
        this.#rejectPendingJoin(new SkjermClientError('connection-closed', 'the session ended'));
        this.#endCall('connection-closed');
        return;
      }
      this.#state.transition(where);
      this.safeEmit('reconnected');
      if (where === 'joined') await this.#call?.restartIce();
    } catch (error) {
      if (this.#state.state !== 'reconnecting') return;
      this.#rejectPendingJoin(toClientError(error, 'connection-closed'));
      this.safeEmit('left', 'connection-closed');
      this.#shutdown('connection-closed');
    }
  }

  #requireSignaling(): SignalingConnection {
    const signaling = this.#signaling;
    if (signaling === undefined) throw new SkjermClientError('connection-closed', 'not connected');
    return signaling;
  }

  #requireCall(): Call {
    const call = this.#call;
    if (call === undefined) throw new SkjermClientError('invalid-state', 'not in a consultation');
    return call;
  }
}
