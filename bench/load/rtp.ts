/**
 * The RTP (RFC 3550) and RTCP feedback (RFC 4585) the load generator speaks over plain RTP
 * transports: header writing for what it sends, and a lean parse of what the SFU forwards. Runs
 * per packet in the load generator, so it reads bytes directly and allocates one small object.
 */

export const RTP_HEADER_BYTES = 12;

export interface RtpHeaderFields {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** Writes a 12-byte RTP header (version 2, no padding, extension or CSRC) at `out[0..12)`. */
export function writeRtpHeader(out: Uint8Array, fields: RtpHeaderFields): void {
  out[0] = 0x80;
  out[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  out[2] = (fields.sequenceNumber >>> 8) & 0xff;
  out[3] = fields.sequenceNumber & 0xff;
  writeUint32(out, 4, fields.timestamp);
  writeUint32(out, 8, fields.ssrc);
}

export interface RtpView {
  ssrc: number;
  sequenceNumber: number;
  marker: boolean;
  /** Payload bounds within the packet (CSRCs, header extension and padding excluded). */
  payloadStart: number;
  payloadEnd: number;
}

/** Parses an RTP packet's header; undefined for RTCP (shares the port under rtcp-mux) or junk. */
export function readRtp(packet: Uint8Array): RtpView | undefined {
  const length = packet.length;
  if (length < RTP_HEADER_BYTES) return undefined;
  const first = packet[0] as number;
  const second = packet[1] as number;
  if (first >> 6 !== 2 || isRtcpType(second)) return undefined;
  let offset = RTP_HEADER_BYTES + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (length < offset + 4) return undefined;
    offset += 4 + (((packet[offset + 2] as number) << 8) | (packet[offset + 3] as number)) * 4;
  }
  let end = length;
  if (first & 0x20) end -= packet[length - 1] as number;
  if (offset > end) return undefined;
  return {
    ssrc: readUint32(packet, 8),
    sequenceNumber: ((packet[2] as number) << 8) | (packet[3] as number),
    marker: (second & 0x80) !== 0,
    payloadStart: offset,
    payloadEnd: end,
  };
}

/** RTCP packet types 192-223 (SR 200, RR 201, RTPFB 205, PSFB 206) under rtcp-mux (RFC 5761 §4). */
export function isRtcp(packet: Uint8Array): boolean {
  return packet.length >= 8 && (packet[0] as number) >> 6 === 2 && isRtcpType(packet[1] as number);
}

function isRtcpType(secondByte: number): boolean {
  return secondByte >= 192 && secondByte <= 223;
}

const PAYLOAD_SPECIFIC_FEEDBACK = 206;
const FMT_PLI = 1;
const FMT_FIR = 4;

/**
 * Whether a (compound) RTCP packet asks for a key frame: a Picture Loss Indication (RFC 4585
 * §6.3.1) or a Full Intra Request (RFC 5104 §4.3.1). The SFU sends one when a consumer starts
 * (it forwards video only from a key frame on) and when the SFrame check samples video.
 */
export function asksForKeyFrame(packet: Uint8Array): boolean {
  let offset = 0;
  while (offset + 4 <= packet.length) {
    const first = packet[offset] as number;
    if (first >> 6 !== 2) return false;
    const fmt = first & 0x1f;
    if (packet[offset + 1] === PAYLOAD_SPECIFIC_FEEDBACK && (fmt === FMT_PLI || fmt === FMT_FIR)) {
      return true;
    }
    const words = ((packet[offset + 2] as number) << 8) | (packet[offset + 3] as number);
    offset += (words + 1) * 4;
  }
  return false;
}

function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = (value >>> 24) & 0xff;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}
