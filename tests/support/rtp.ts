// Minimal RTP (RFC 3550) packet building and parsing for tests that talk to mediasoup over
// PlainTransports: enough to send real packets and find their payloads on the other side.

export interface RtpPacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

export function buildRtpPacket(packet: RtpPacket): Uint8Array {
  const bytes = new Uint8Array(12 + packet.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, 0x80); // version 2, no padding, no extension, no CSRC
  view.setUint8(1, (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f));
  view.setUint16(2, packet.sequenceNumber & 0xffff);
  view.setUint32(4, packet.timestamp >>> 0);
  view.setUint32(8, packet.ssrc >>> 0);
  bytes.set(packet.payload, 12);
  return bytes;
}

/** Parses an RTP packet, skipping CSRCs and header extensions; undefined for RTCP or junk. */
export function parseRtpPacket(bytes: Uint8Array): RtpPacket | undefined {
  if (bytes.length < 12 || bytes[0] === undefined || bytes[0] >> 6 !== 2) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadType = view.getUint8(1) & 0x7f;
  // RTCP packet types 200-204 share the port under rtcp-mux (RFC 5761 §4).
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = 12 + (view.getUint8(0) & 0x0f) * 4;
  if (view.getUint8(0) & 0x10) {
    if (bytes.length < offset + 4) return undefined;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = bytes.length;
  if (view.getUint8(0) & 0x20) end -= view.getUint8(bytes.length - 1);
  if (offset > end) return undefined;
  return {
    payloadType,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    marker: (view.getUint8(1) & 0x80) !== 0,
    payload: bytes.slice(offset, end),
  };
}
