/**
 * SFrame (RFC 9605) end-to-end media encryption over Web Crypto, for browsers and Node.
 *
 * - SFrameSender / SFrameReceiver: per-key encryption with an owned counter, and a decryption
 *   keyring with per-KID replay windows.
 * - protectFrame / unprotectFrame / inspectProtectedFrame: the codec-aware WebRTC frame layout
 *   (VP8, Opus) used by the browser transform and the server.
 * - sframeEncrypt / sframeDecrypt and the lower-level pieces: known-answer tests.
 */
export { type AeadKey, aeadOpen, aeadSeal, importAeadKey } from './aead.ts';
export {
  CIPHER_SUITE_IDS,
  CipherSuite,
  type CipherSuiteId,
  type CipherSuiteName,
  type CipherSuiteParams,
  cipherSuiteParams,
  isCipherSuiteId,
} from './cipher-suites.ts';
export { splitCtrHmacKey } from './ctr-hmac.ts';
export { isSFrameError, SFRAME_ERROR_CODES, SFrameError, type SFrameErrorCode } from './errors.ts';
export {
  type InspectFailureReason,
  type InspectProtectedFrameInput,
  type InspectResult,
  inspectionFalseAcceptBound,
  inspectProtectedFrame,
} from './frame-inspection.ts';
export {
  clearPrefixLength,
  E2EE_CODECS,
  type E2eeCodec,
  isE2eeCodec,
  parseE2eeCodec,
  protectFrame,
  type UnprotectedFrame,
  unprotectFrame,
  VP8_DELTA_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_START_CODE,
} from './frame-layout.ts';
export {
  decodeHeader,
  encodedHeaderLength,
  encodeHeader,
  type HeaderParseResult,
  MAX_HEADER_LENGTH,
  MAX_UINT64,
  parseHeader,
  type SFrameHeader,
} from './header.ts';
export {
  deriveKeyMaterial,
  formNonce,
  type SFrameKeyMaterial,
  sframeKeyLabel,
  sframeSaltLabel,
} from './key-derivation.ts';
export {
  type SFrameDecryptParams,
  type SFrameEncryptParams,
  sframeDecrypt,
  sframeEncrypt,
} from './known-answer.ts';
export {
  type SFrameDecryptResult,
  SFrameReceiver,
  type SFrameReceiverOptions,
} from './receiver.ts';
export { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay-window.ts';
export { type SFrameEncryptOptions, SFrameSender, type SFrameSenderOptions } from './sender.ts';
