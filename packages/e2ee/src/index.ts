/**
 * Skjerm end-to-end encryption between browsers.
 *
 * Main thread: KeyManager (identity, sender key, rotation, sealed key envelopes, safety code),
 * attachE2eeTransform and E2eeWorkerClient. Worker: transform-worker.ts (exported as
 * '@skjerm/e2ee/transform-worker'), built from E2eeWorker / FrameCryptor / MediaKeys.
 */

export { E2eeWorker, type E2eeWorkerOptions, type ScriptTransformerLike } from './e2ee-worker.ts';
export {
  attachE2eeTransform,
  type EncodedTransformTarget,
  supportsEncodedTransform,
  type TransformEnvironment,
  type TransformWorkerLike,
  UNSUPPORTED_BROWSER_MESSAGE,
} from './encoded-transform.ts';
export {
  type KeyEnvelope,
  openKeyEnvelope,
  parseKeyEnvelope,
  sealKeyEnvelope,
} from './envelope.ts';
export { E2EE_ERROR_CODES, E2eeError, type E2eeErrorCode, isE2eeError } from './errors.ts';
export { type EncodedFrameLike, FrameCryptor, type FrameCryptorOptions } from './frame-cryptor.ts';
export { FrameStats, type FrameStatsSnapshot } from './frame-stats.ts';
export {
  LocalIdentity,
  type PublicIdentity,
  parsePublicIdentity,
  parseRosterMember,
  type RosterMember,
} from './identity.ts';
export { type KeyDistribution, KeyManager, type MembershipChange } from './key-manager.ts';
export {
  EPOCH_MODULUS,
  isNewerEpoch,
  type KidParts,
  MAX_SENDER_SLOT,
  makeKid,
  nextEpoch,
  parseKid,
} from './kid.ts';
export { DEFAULT_CIPHER_SUITE, MediaKeys, type MediaKeysOptions } from './media-keys.ts';
export {
  DROP_REASONS,
  type DropReason,
  type E2eeStats,
  type E2eeTransformOptions,
  type E2eeWorkerReply,
  type E2eeWorkerRequest,
  type ErrorReply,
  type GetStatsMessage,
  type KeyUpdate,
  type PlaintextSampleReply,
  type RemoveKeyMessage,
  type RemoveSenderMessage,
  type SamplePlaintextMessage,
  type SetReceiverKeyMessage,
  type SetSenderKeyMessage,
  type StatsReply,
  type StreamMessage,
  type TransformDirection,
} from './messages.ts';
export { BASE_KEY_BYTES, ratchetBaseKey } from './ratchet.ts';
export { ReceiveKeyring, type ReceiveKeyringOptions } from './receive-keyring.ts';
export { computeSafetyCode, SAFETY_CODE_GROUPS } from './safety-code.ts';
export { SerialQueue } from './serial-queue.ts';
export { E2eeWorkerClient, type WorkerPort } from './worker-client.ts';
