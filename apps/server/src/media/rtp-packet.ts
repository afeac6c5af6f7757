/**
 * Just enough RTP (RFC 3550) and VP8 payload descriptor (RFC 7741 §4.2) parsing for the
 * SFrame check: find where a packet's payload starts and whether it begins a frame. Runs only
 * on sampled packets (see sframe-guard.ts), never on the forwarding path; the test-only frame
 * tap (frame-tap.ts) also puts frames back together with it.
 */

/** The payload of an RTP packet (CSRCs, header extension and padding removed). */
export function rtpPayload(packet: Uint8Array): Uint8Array | undefined {
  if (packet.length < 12) return undefined;
  const first = packet[0] as number;
  if (first >> 6 !== 2) return undefined;
  let offset = 12 + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (packet.length < offset + 4) return undefined;
    const words = ((packet[offset + 2] as number) << 8) | (packet[offset + 3] as number);
    offset += 4 + words * 4;
  }
  let end = packet.length;
  if (first & 0x20) end -= packet[packet.length - 1] as number;
  if (offset > end) return undefined;
  return packet.subarray(offset, end);
}

/** The RTP header fields that put a frame's packets together (RFC 3550 §5.1). */
export interface RtpFrameFields {
  sequenceNumber: number;
  timestamp: number;
  /** For video, set on the last packet of a frame (RFC 3551 §4.1, RFC 7741 §4.1). */
  marker: boolean;
}

export function rtpFrameFields(packet: Uint8Array): RtpFrameFields | undefined {
  if (packet.length < 12 || (packet[0] as number) >> 6 !== 2) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return {
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    marker: (view.getUint8(1) & 0x80) !== 0,
  };
}

/**
 * A VP8 RTP payload split at the end of its payload descriptor: the frame bytes it carries,
 * and whether they begin a frame (S bit set, partition index 0).
 */
export function vp8PayloadParts(
  payload: Uint8Array,
): { startsFrame: boolean; data: Uint8Array } | undefined {
  const first = payload[0];
  if (first === undefined) return undefined;
  const startOfPartition = (first & 0x10) !== 0;
  const partitionIndex = first & 0x07;
  let offset = 1;
  if (first & 0x80) {
    const extension = payload[offset++];
    if (extension === undefined) return undefined;
    if (extension & 0x80) {
      const pictureId = payload[offset++];
      if (pictureId === undefined) return undefined;
      if (pictureId & 0x80) offset++;
    }
    if (extension & 0x40) offset++;
    if (extension & 0x30) offset++;
  }
  if (offset > payload.length) return undefined;
  return { startsFrame: startOfPartition && partitionIndex === 0, data: payload.subarray(offset) };
}

/**
 * For a VP8 RTP payload: the bytes after the payload descriptor when this packet starts a
 * frame (S bit set, partition index 0), else undefined (a continuation packet).
 */
export function vp8FrameStart(payload: Uint8Array): Uint8Array | undefined {
  const parts = vp8PayloadParts(payload);
  return parts?.startsFrame && parts.data.length > 0 ? parts.data : undefined;
}
