/**
 * VP8 over RTP as RFC 7741 lays it out: each packet's payload is a payload descriptor followed
 * by a slice of the (here SFrame-protected) frame. The SFU reads the descriptor to find frame
 * starts and the VP8 payload header behind it to find key frames, which is why SFrame keeps
 * that header in the clear.
 */

/** RTP payload per packet, descriptor included, as browsers aim for on a 1200-byte MTU budget. */
export const MAX_RTP_PAYLOAD = 1100;

/**
 * The descriptor written here (RFC 7741 §4.2): X=1 with I=1 and a 15-bit picture ID (M=1),
 * partition index 0. The S bit marks a frame's first packet only.
 */
export const VP8_DESCRIPTOR_BYTES = 4;
const X_BIT = 0x80;
const S_BIT = 0x10;
const I_BIT = 0x80;

/**
 * Splits a frame into RTP payloads of at most `maxPayload` bytes, in near-equal slices as
 * libwebrtc's packetizer does (so the last packet is not a runt). Each payload starts after
 * `headroom` spare bytes, where the caller writes the RTP header without another copy.
 */
export function packetizeVp8(
  frame: Uint8Array,
  pictureId: number,
  maxPayload = MAX_RTP_PAYLOAD,
  headroom = 0,
): Uint8Array[] {
  const room = maxPayload - VP8_DESCRIPTOR_BYTES;
  if (room <= 0) throw new RangeError(`maxPayload ${maxPayload} leaves no room for data`);
  const count = Math.max(1, Math.ceil(frame.length / room));
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    // Near-equal slices: the first (length mod count) slices take one byte more.
    const size = Math.floor(frame.length / count) + (i < frame.length % count ? 1 : 0);
    const packet = new Uint8Array(headroom + VP8_DESCRIPTOR_BYTES + size);
    packet[headroom] = X_BIT | (i === 0 ? S_BIT : 0);
    packet[headroom + 1] = I_BIT;
    packet[headroom + 2] = 0x80 | ((pictureId >> 8) & 0x7f);
    packet[headroom + 3] = pictureId & 0xff;
    packet.set(frame.subarray(offset, offset + size), headroom + VP8_DESCRIPTOR_BYTES);
    payloads.push(packet);
    offset += size;
  }
  return payloads;
}

/**
 * Reads the payload descriptor at `start`: whether the packet starts a frame (S=1, partition
 * 0) and where the VP8 data begins; undefined when the descriptor is cut short.
 */
export function readVp8Descriptor(
  payload: Uint8Array,
  start: number,
  end: number,
): { frameStart: boolean; dataStart: number } | undefined {
  if (start >= end) return undefined;
  const first = payload[start] as number;
  let offset = start + 1;
  if (first & X_BIT) {
    if (offset >= end) return undefined;
    const extension = payload[offset++] as number;
    if (extension & I_BIT) {
      if (offset >= end) return undefined;
      offset += (payload[offset] as number) & 0x80 ? 2 : 1;
    }
    if (extension & 0x40) offset++; // TL0PICIDX
    if (extension & 0x30) offset++; // TID / KEYIDX
  }
  if (offset > end) return undefined;
  return { frameStart: (first & S_BIT) !== 0 && (first & 0x07) === 0, dataStart: offset };
}
