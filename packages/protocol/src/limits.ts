/** The protocol version spoken by this package; the handshake carries it. */
export const PROTOCOL_VERSION = 1;

/** Largest accepted text frame (bytes). Signaling is small; RTP parameters stay far below. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Most envelopes in one relayKeys request (one per other participant). */
export const MAX_ENVELOPES_PER_REQUEST = 64;

/** Most KIDs a producer announces at once (current key plus the next few epochs). */
export const MAX_ANNOUNCED_KIDS = 16;
