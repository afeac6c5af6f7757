/**
 * Skjerm's signaling protocol, shared by server and client: every message is defined once as
 * a TypeBox schema (messages.ts); TypeScript types derive from the schemas, and the same
 * schemas validate frames at run time (wire.ts).
 */
export { ERROR_CODES, type ErrorCode, type ProtocolErrorBody } from './errors.ts';
export {
  MAX_ANNOUNCED_KIDS,
  MAX_ENVELOPES_PER_REQUEST,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
} from './limits.ts';
export {
  ConsultationMode,
  IceServer,
  InviteSecret,
  JoinedResult,
  type NotificationData,
  type NotificationName,
  notifications,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  ROLES,
  Role,
  RosterMember,
  requests,
  SFrameParameters,
  SrtpParameters,
  WaitingEntry,
  WaitingResult,
} from './messages.ts';
export {
  BookingRequest,
  BookingResponse,
  BookingUpdate,
  ConsultationSummary,
  Invite,
  NationalId,
} from './rest.ts';
export {
  errorResponse,
  type FrameRejection,
  isValidNotification,
  isValidResult,
  type NotificationFrame,
  notificationFrame,
  type ParsedRequest,
  parseRequestFrame,
  type ResponseFrame,
  type ServerFrame,
  successResponse,
} from './wire.ts';
