import { Type } from '@sinclair/typebox';

/** Server-assigned identifiers (UUIDs from mediasoup or the server). */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const MediaKind = Type.Union([Type.Literal('audio'), Type.Literal('video')]);

/**
 * A bounded JSON object passed on to mediasoup (RTP parameters and capabilities, DTLS
 * parameters). mediasoup validates them in depth and rejects what it cannot use without
 * changing state; here they get a shape and, through the frame limit, a size bound.
 */
export const OpaqueObject = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());

/**
 * An SFrame KID. Skjerm's KIDs are senderSlot * 2^16 + epoch (see @skjerm/e2ee kid.ts), so
 * they fit a JSON number.
 */
export const Kid = Type.Integer({ minimum: 0, maximum: 0xffff_ffff });

/** base64url without padding, bounded: public keys. */
export const Base64Url = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

export const DisplayName = Type.String({ minLength: 1, maxLength: 120 });
