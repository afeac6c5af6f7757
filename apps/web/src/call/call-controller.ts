/**
 * One person's way through a consultation in this page: connect, (invitees) read the
 * invitation, open camera and microphone, join, wait, be in the call, end. It turns the SDK's
 * events into one immutable snapshot the screens render, and owns the local devices so that
 * leaving, for any reason, releases them.
 */
import {
  detectEncodedTransformApi,
  type Greeting,
  isSkjermClientError,
  type JoinTarget,
  type LeaveReason,
  type LocalTrack,
  type MediaKind,
  type RemoteTrack,
  SkjermClient,
  type WaitingInfo,
} from '@skjerm/client';
import type { RosterMember, WaitingEntry } from '@skjerm/protocol';
import { captureConstraints, LocalDevices } from './local-devices.ts';

export type CallPhase =
  | 'connecting'
  | 'ready'
  | 'joining'
  | 'waiting'
  | 'joined'
  | 'reconnecting'
  | 'ended';

/** Why the page is no longer in the call. */
export type EndReason = LeaveReason | 'unsupported-browser' | 'failed';

export interface InviteInfo {
  readonly consultationId: string;
  readonly title: string;
  readonly startsAt: string;
  readonly mode: 'consultation' | 'group';
  readonly clinicians: readonly string[];
  readonly otherPatients: number;
}

/**
 * What went wrong: the server's protocol error code, else the SDK's, for the screens to say in
 * the person's language; the message (English, from the server or SDK) is the fallback.
 */
export interface CallError {
  readonly code: string;
  readonly message: string;
}

/** Something to announce to screen readers (and show briefly). */
export interface CallNotice {
  readonly id: number;
  readonly kind: 'joined' | 'left' | 'arrived' | 'reconnected';
  readonly name: string;
}

export interface CallSnapshot {
  readonly phase: CallPhase;
  readonly me: Greeting | undefined;
  readonly invite: InviteInfo | undefined;
  readonly waitingFor: WaitingInfo | undefined;
  readonly participantId: string | undefined;
  readonly roster: readonly RosterMember[];
  readonly waitingList: readonly WaitingEntry[];
  readonly remoteTracks: readonly RemoteTrack[];
  readonly localStream: MediaStream | undefined;
  readonly micOn: boolean;
  readonly cameraOn: boolean;
  /** Whether this page has the device at all (none until opened, or when refused). */
  readonly hasMicrophone: boolean;
  readonly hasCamera: boolean;
  readonly mutedByHost: boolean;
  readonly safetyCode: string | undefined;
  readonly safetyConfirmed: boolean;
  readonly isHost: boolean;
  readonly endReason: EndReason | undefined;
  readonly error: CallError | undefined;
  readonly notice: CallNotice | undefined;
}

export interface CallControllerOptions {
  readonly token: string;
  /** wss://<host>/ws */
  readonly signalingUrl: string;
  /** The E2EE transform worker's URL. */
  readonly e2eeWorkerUrl: string;
}

const initial: CallSnapshot = {
  phase: 'connecting',
  me: undefined,
  invite: undefined,
  waitingFor: undefined,
  participantId: undefined,
  roster: [],
  waitingList: [],
  remoteTracks: [],
  localStream: undefined,
  micOn: false,
  cameraOn: false,
  hasMicrophone: false,
  hasCamera: false,
  mutedByHost: false,
  safetyCode: undefined,
  safetyConfirmed: false,
  isHost: false,
  endReason: undefined,
  error: undefined,
  notice: undefined,
};

type Listener = (snapshot: CallSnapshot) => void;

/** Set by test builds only (esbuild `define`); production bundles drop what it guards. */
declare const SKJERM_TEST_HOOKS: boolean | undefined;

export class CallController {
  readonly #client: SkjermClient;
  readonly #token: string;
  readonly #devices = new LocalDevices();
  readonly #listeners = new Set<Listener>();
  #snapshot: CallSnapshot = initial;
  /** What the devices were opened for (a reopened camera uses the same size). */
  #mode: 'consultation' | 'group' = 'consultation';
  #noticeId = 0;

  constructor(options: CallControllerOptions) {
    this.#token = options.token;
    this.#client = new SkjermClient({
      url: options.signalingUrl,
      e2eeWorkerUrl: options.e2eeWorkerUrl,
    });
    this.#wire();
    if (typeof SKJERM_TEST_HOOKS !== 'undefined' && SKJERM_TEST_HOOKS === true) {
      // Browser tests reach the SDK (plaintext samples, stats) through the page.
      (globalThis as { skjermTestClient?: SkjermClient }).skjermTestClient = this.#client;
    }
  }

  /** For test builds only (see main.tsx): the SDK client behind this call. */
  get client(): SkjermClient {
    return this.#client;
  }

  get snapshot(): CallSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects and authenticates. A browser that cannot encrypt ends here, before any media. */
  async connect(): Promise<void> {
    if (detectEncodedTransformApi() === undefined) {
      this.#finish('unsupported-browser');
      return;
    }
    try {
      const me = await this.#client.connect(this.#token);
      this.#update({ phase: 'ready', me });
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Invitees: what the invitation is for, before anything starts. */
  async inspectInvite(invite: string): Promise<InviteInfo | undefined> {
    try {
      const info = await this.#client.inspectInvite(invite);
      this.#update({ invite: info });
      return info;
    } catch (error) {
      this.#update({ error: callErrorOf(error) });
      throw error;
    }
  }

  /** Opens camera and microphone (the browser asks) and shows the preview. */
  async openDevices(mode: 'consultation' | 'group'): Promise<void> {
    this.#mode = mode;
    const stream = await this.#devices.open(captureConstraints(mode));
    this.#update({
      localStream: stream,
      hasMicrophone: stream.getAudioTracks().length > 0,
      hasCamera: stream.getVideoTracks().length > 0,
      micOn: stream.getAudioTracks().length > 0,
      cameraOn: stream.getVideoTracks().length > 0,
    });
  }

  /** Joins (clinicians: by id; others: by invite) and, once in, sends camera and microphone. */
  async join(target: JoinTarget): Promise<void> {
    this.#update({ phase: 'joining', error: undefined });
    try {
      await this.#client.join(target);
      this.#update({
        isHost: this.#snapshot.me?.role === 'clinician' && 'consultationId' in target,
      });
      await this.#publishDevices();
    } catch (error) {
      // Denied, removed or ended while waiting: the 'left' event has ended the call already.
      if (this.#snapshot.phase !== 'ended') this.#fail(error);
    }
  }

  async setMicrophone(on: boolean): Promise<void> {
    await this.#setSending('audio', on);
  }

  /**
   * Off stops the camera (its light goes out), not just the picture; on opens it again and
   * sends the new track in place of the old one.
   */
  async setCamera(on: boolean): Promise<void> {
    if (!this.#snapshot.hasCamera) return;
    const local = this.#local('video');
    if (!on) {
      if (local) await this.#act(() => this.#client.setMuted(local, true));
      this.#devices.stopVideo();
      this.#update({ cameraOn: false, localStream: this.#devices.stream });
      return;
    }
    await this.#act(async () => {
      const track = await this.#devices.reopenVideo(captureConstraints(this.#mode).video ?? true);
      if (local) {
        await this.#client.replaceTrack(local, track);
        await this.#client.setMuted(local, false);
      }
      this.#update({ cameraOn: true, localStream: this.#devices.stream });
    });
  }

  admit(waitingId: string): Promise<void> {
    return this.#act(() => this.#client.admit(waitingId));
  }

  deny(waitingId: string): Promise<void> {
    return this.#act(() => this.#client.deny(waitingId));
  }

  muteParticipant(participantId: string): Promise<void> {
    return this.#act(() => this.#client.mute(participantId, 'audio'));
  }

  removeParticipant(participantId: string): Promise<void> {
    return this.#act(() => this.#client.remove(participantId));
  }

  confirmSafetyCode(): Promise<void> {
    return this.#act(async () => {
      await this.#client.confirmSafetyCode();
      this.#update({ safetyConfirmed: true });
    });
  }

  /** Leaves (or leaves the waiting room); the page then shows the end. */
  async leave(): Promise<void> {
    const { phase } = this.#snapshot;
    if (phase === 'joined' || phase === 'waiting') {
      await this.#client.leave().catch(() => undefined);
    }
    this.#finish('left');
  }

  /** Hosts: ends the consultation for everyone. */
  async end(): Promise<void> {
    await this.#act(() => this.#client.end());
  }

  /** Releases everything; for leaving the page. */
  dispose(): void {
    this.#devices.release();
    this.#client.close();
  }

  async #publishDevices(): Promise<void> {
    const { audio, video } = this.#devices;
    if (video) await this.#client.publish(video);
    if (audio) await this.#client.publish(audio);
    this.#syncLocal();
  }

  async #setSending(kind: MediaKind, on: boolean): Promise<void> {
    const local = this.#local(kind);
    const device = kind === 'audio' ? this.#devices.audio : this.#devices.video;
    if (!local && !device) return;
    if (local) {
      await this.#act(() => this.#client.setMuted(local, !on));
    } else if (device) {
      // Before joining (the preview): the track itself is switched.
      device.enabled = on;
    }
    this.#update(
      kind === 'audio'
        ? { micOn: on, mutedByHost: on ? false : this.#snapshot.mutedByHost }
        : { cameraOn: on },
    );
  }

  #local(kind: MediaKind): LocalTrack | undefined {
    return this.#client.localTracks.find((track) => track.kind === kind);
  }

  #syncLocal(): void {
    const audio = this.#local('audio');
    const video = this.#local('video');
    this.#update({
      ...(audio ? { micOn: !audio.muted } : {}),
      ...(video ? { cameraOn: !video.muted } : {}),
    });
  }

  async #act(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#update({ error: callErrorOf(error) });
    }
  }

  #wire(): void {
    const client = this.#client;
    client.on('waiting', (info) => this.#update({ phase: 'waiting', waitingFor: info }));
    client.on('joined', ({ participantId }) =>
      this.#update({ phase: 'joined', participantId, waitingFor: undefined }),
    );
    client.on('roster', (roster) => {
      this.#announceRosterChange(this.#snapshot.roster, roster);
      this.#update({ roster, safetyConfirmed: false });
    });
    client.on('waitinglist', (waitingList) => {
      const before = new Set(this.#snapshot.waitingList.map((w) => w.waitingId));
      const arrived = waitingList.find((w) => !before.has(w.waitingId));
      this.#update({
        waitingList,
        ...(arrived ? { notice: this.#notice('arrived', arrived.name) } : {}),
      });
    });
    client.on('safetycode', (safetyCode) => this.#update({ safetyCode, safetyConfirmed: false }));
    const syncRemote = () => this.#update({ remoteTracks: [...client.remoteTracks] });
    client.on('track', syncRemote);
    client.on('trackended', syncRemote);
    client.on('localmute', (local, muted, by) => {
      this.#update({
        ...(local.kind === 'audio' ? { micOn: !muted } : { cameraOn: !muted }),
        // The "muted by a clinician" banner is itself a status region: no second notice.
        ...(by === 'host' && muted && local.kind === 'audio' ? { mutedByHost: true } : {}),
      });
    });
    client.on('reconnecting', () => this.#update({ phase: 'reconnecting' }));
    client.on('reconnected', () =>
      this.#update({
        phase: this.#snapshot.participantId ? 'joined' : 'waiting',
        notice: this.#notice('reconnected', ''),
      }),
    );
    client.on('left', (reason) => this.#finish(reason));
    client.on('close', (reason) => {
      if (reason !== 'closed') this.#finish('connection-closed');
    });
    client.on('error', (error) => this.#update({ error: callErrorOf(error) }));
  }

  #announceRosterChange(before: readonly RosterMember[], after: readonly RosterMember[]): void {
    if (this.#snapshot.phase !== 'joined') return;
    const me = this.#snapshot.participantId;
    const had = new Set(before.map((m) => m.participantId));
    const has = new Set(after.map((m) => m.participantId));
    const joined = after.find((m) => !had.has(m.participantId) && m.participantId !== me);
    const left = before.find((m) => !has.has(m.participantId));
    if (joined) this.#update({ notice: this.#notice('joined', joined.name) });
    else if (left) this.#update({ notice: this.#notice('left', left.name) });
  }

  #notice(kind: CallNotice['kind'], name: string): CallNotice {
    this.#noticeId += 1;
    return { id: this.#noticeId, kind, name };
  }

  #fail(error: unknown): void {
    this.#update({ error: callErrorOf(error) });
    this.#finish('failed');
  }

  /** The end, whatever the reason: devices released, connection closed. */
  #finish(reason: EndReason): void {
    if (this.#snapshot.phase === 'ended') return;
    this.#devices.release();
    this.#update({
      phase: 'ended',
      endReason: reason,
      localStream: undefined,
      remoteTracks: [],
      waitingList: [],
    });
    this.#client.close();
  }

  #update(change: Partial<CallSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...change };
    for (const listener of this.#listeners) listener(this.#snapshot);
  }
}

function callErrorOf(error: unknown): CallError {
  const message = error instanceof Error ? error.message : String(error);
  if (isSkjermClientError(error)) {
    return { code: error.serverError?.code ?? error.code, message };
  }
  return { code: 'unknown', message };
}
