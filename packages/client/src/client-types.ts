import type { TransformEnvironment } from '@skjerm/e2ee';
import type { RequestResult, Role, RosterMember, WaitingEntry } from '@skjerm/protocol';
import type { types } from 'mediasoup-client';
import type { BrowserEnvironment } from './capabilities.ts';
import type { SenderKeyChange } from './e2ee/session-keys.ts';
import type { SkjermClientError } from './errors.ts';
import type { LocalTrack, MuteSource, RemoteTrack } from './media/tracks.ts';
import type { WebSocketLike } from './signaling/signaling-connection.ts';
import type { ClientState } from './state.ts';

/** SkjermClient's options, results and events. */

export interface SkjermClientOptions {
  /** The signaling endpoint, `wss://<server>/ws`. */
  readonly url: string;
  /** The bundled E2EE transform worker script (module worker). */
  readonly e2eeWorkerUrl?: string | URL;
  /** Or a factory for the worker (wins over e2eeWorkerUrl). */
  readonly createE2eeWorker?: () => Worker;
  /** Milliseconds a signaling request may take (default 15 000). */
  readonly requestTimeoutMs?: number;
  /** Tests: where browser APIs are looked up, and a WebSocket stand-in. */
  readonly environment?: BrowserEnvironment & TransformEnvironment;
  readonly createSocket?: (url: string) => WebSocketLike;
  /** A mediasoup-client handler other than the detected one (tests use its FakeHandler). */
  readonly handlerFactory?: types.HandlerFactory;
  /** 'relay': media only through the server's TURN relays (SKJERM_TURN_URLS). Default 'all'. */
  readonly iceTransportPolicy?: 'all' | 'relay';
}

export interface Greeting {
  readonly sessionId: string;
  readonly name: string;
  readonly role: Role;
}

/**
 * What an invite is for, before joining with it: title, start, mode, the clinicians' names and,
 * in group mode, how many other patients are expected (they must agree: confirmGroup).
 */
export type InviteInfo = RequestResult<'inspectInvite'>;

/** Join by id (the consultation's clinicians) or by invite (everyone else). */
export type JoinTarget =
  | { readonly consultationId: string }
  | { readonly invite: string; readonly confirmGroup?: boolean };

export interface WaitingInfo {
  readonly consultationId: string;
  readonly title: string;
  readonly clinicians: readonly string[];
}

export interface JoinedInfo {
  readonly consultationId: string;
  readonly participantId: string;
  readonly senderSlot: number;
  readonly roster: readonly RosterMember[];
}

/** Why the client closed: close() was called, the server shut down, or the connection died. */
export type CloseReason = 'closed' | 'server-shutdown' | 'connection-closed';

/** Why the client is no longer in the consultation. */
export type LeaveReason = 'left' | 'denied' | 'removed' | 'ended' | 'connection-closed';

export type SkjermClientEvents = {
  statechange: [state: ClientState, previous: ClientState];
  /** In one's own waiting room until a host admits (join resolves then) or denies. */
  waiting: [info: WaitingInfo];
  joined: [info: JoinedInfo];
  roster: [roster: readonly RosterMember[]];
  /** Compare aloud: every honest participant sees the same code for the same membership. */
  safetycode: [code: string];
  /** Our SFrame sender key changed (first key, rotation after a leave, ratchet after a join). */
  senderkey: [change: SenderKeyChange];
  /** Hosts: who is waiting to be admitted. */
  waitinglist: [waiting: readonly WaitingEntry[]];
  track: [remote: RemoteTrack];
  trackended: [remote: RemoteTrack];
  localtrackclosed: [local: LocalTrack, reason: string];
  /**
   * One of our tracks was muted or unmuted, by us (setMuted) or by a host (then `mutedbyhost`
   * comes too). Only changes: a host muting a track already muted says nothing here.
   */
  localmute: [local: LocalTrack, muted: boolean, by: MuteSource];
  /** A host paused our audio or video; unmuting again is our own setMuted(track, false). */
  mutedbyhost: [kind: 'audio' | 'video'];
  /** A media transport's connection state (new, connecting, connected, failed, ...). */
  connectionstate: [direction: 'send' | 'recv', state: string];
  /** The server's media node restarted; transports and producers are being recreated. */
  mediareset: [];
  left: [reason: LeaveReason];
  /** The connection dropped while in the consultation; the client is taking its session back. */
  reconnecting: [];
  /** The session was resumed on a new connection (media transports restart ICE). */
  reconnected: [];
  /** Key distribution failed for one roster or envelope; media from someone may not decrypt. */
  e2eeerror: [error: SkjermClientError];
  /** A background operation failed (consuming a new producer, recovering from a reset). */
  error: [error: SkjermClientError];
  close: [reason: CloseReason];
  listenererror: [event: string, error: unknown];
};
