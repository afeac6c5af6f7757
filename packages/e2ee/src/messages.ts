import type { E2eeCodec } from '@skjerm/sframe';

/**
 * Messages between the main thread and the encoded-transform worker. Both directions are
 * discriminated unions on `type`; values are structured-clone safe (BigInt and Uint8Array
 * included), so they cross postMessage unchanged.
 */

export type TransformDirection = 'send' | 'receive';

/**
 * What each transform is for. With RTCRtpScriptTransform these are the `options` given to its
 * constructor; with createEncodedStreams they ride along in the 'stream' message.
 */
export interface E2eeTransformOptions {
  readonly direction: TransformDirection;
  readonly codec: E2eeCodec;
  /** Local participant for 'send'; the remote participant whose track this is for 'receive'. */
  readonly participantId: string;
}

/** The local participant's current SFrame key: every send transform switches to it. */
export interface SetSenderKeyMessage {
  readonly type: 'setSenderKey';
  readonly kid: bigint;
  readonly key: Uint8Array;
}

/** A remote sender's key delivered by an envelope; its KID names the sender's slot and epoch. */
export interface SetReceiverKeyMessage {
  readonly type: 'setReceiverKey';
  readonly participantId: string;
  readonly kid: bigint;
  readonly key: Uint8Array;
}

/** Forget one KID, send or receive. */
export interface RemoveKeyMessage {
  readonly type: 'removeKey';
  readonly kid: bigint;
}

/** A participant left: forget every key of its slot, including ratcheted look-ahead keys. */
export interface RemoveSenderMessage {
  readonly type: 'removeSender';
  readonly participantId: string;
  readonly senderSlot: number;
}

export interface GetStatsMessage {
  readonly type: 'getStats';
  readonly requestId: number;
}

/** createEncodedStreams fallback: the main thread transfers the encoded streams. */
export interface StreamMessage extends E2eeTransformOptions {
  readonly type: 'stream';
  readonly readable: ReadableStream;
  readonly writable: WritableStream;
}

/** What KeyManager asks the worker to do; sent to the worker as they are. */
export type KeyUpdate =
  | SetSenderKeyMessage
  | SetReceiverKeyMessage
  | RemoveKeyMessage
  | RemoveSenderMessage;

export type E2eeWorkerRequest = KeyUpdate | GetStatsMessage | StreamMessage;

export const DROP_REASONS = [
  // Send side has no key yet: the frame is dropped, never sent in the clear.
  'no-key',
  'unknown-kid',
  // The KID's key was only a ratchet guess and the sender rotated instead: the envelope with
  // the real key is on the way. Expected briefly after a leave; not a sign of tampering.
  'key-pending',
  'authentication-failed',
  'replay',
  // Header, length or codec layout broken (SFrame malformed-header, truncated, malformed-frame).
  'malformed',
  // The KID belongs to another participant than the track the frame arrived on.
  'sender-mismatch',
  // A frame of a codec that cannot be end-to-end encrypted (only VP8 and Opus can).
  'unsupported-codec',
  'internal-error',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export interface E2eeStats {
  readonly framesEncrypted: number;
  readonly framesDecrypted: number;
  readonly framesDropped: Readonly<Record<DropReason, number>>;
  /** KID outgoing frames are encrypted under; null while there is none. */
  readonly sendKid: bigint | null;
  /** KIDs of delivered or confirmed remote keys (ratchet look-ahead keys are not listed). */
  readonly receiveKids: readonly bigint[];
}

export interface StatsReply {
  readonly type: 'stats';
  readonly requestId: number;
  readonly stats: E2eeStats;
}

export interface ErrorReply {
  readonly type: 'error';
  readonly message: string;
}

/**
 * TEST ONLY (SKJERM_TEST_HOOKS, see test-hooks.d.ts): asks for copies of the next `count`
 * frames each current send transform encrypts, taken before encryption. Bundles built without
 * test hooks neither send nor understand it.
 */
export interface SamplePlaintextMessage {
  readonly type: 'sample-plaintext';
  readonly requestId: number;
  readonly count: number;
}

/** TEST ONLY: the answer to SamplePlaintextMessage. */
export interface PlaintextSampleReply {
  readonly type: 'plaintext-sample';
  readonly requestId: number;
  readonly frames: readonly Uint8Array[];
}

export type E2eeWorkerReply = StatsReply | ErrorReply | PlaintextSampleReply;
