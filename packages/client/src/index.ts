/**
 * Skjerm's browser SDK: SkjermClient joins a consultation and carries camera and microphone
 * encrypted end to end (SFrame, RFC 9605) through the Skjerm SFU. See docs/client.md.
 */
export type { ClientStats } from './call.ts';
export {
  type BrowserEnvironment,
  detectEncodedTransformApi,
  type EncodedTransformApi,
  requireEncodedTransformApi,
} from './capabilities.ts';
export type {
  CloseReason,
  Greeting,
  InviteInfo,
  JoinedInfo,
  JoinTarget,
  LeaveReason,
  SkjermClientEvents,
  SkjermClientOptions,
  WaitingInfo,
} from './client-types.ts';
export type { SenderKeyChange, SenderKeyReason } from './e2ee/session-keys.ts';
export {
  CLIENT_ERROR_CODES,
  type ClientErrorCode,
  isSkjermClientError,
  SkjermClientError,
} from './errors.ts';
export type { InboundStats, OutboundStats } from './media/media-stats.ts';
export type { LocalTrack, MediaKind, MuteSource, RemoteTrack } from './media/tracks.ts';
export { SkjermClient } from './skjerm-client.ts';
export type { ClientState } from './state.ts';
