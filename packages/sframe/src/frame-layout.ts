import { prependRoom, wholeBuffer } from './bytes.ts';
import { SFrameError } from './errors.ts';
import type { SFrameDecryptResult, SFrameReceiver } from './receiver.ts';
import type { SFrameSender } from './sender.ts';

/**
 * How a WebRTC encoded frame is split into a clear part and an SFrame ciphertext, shared by
 * the browser transform (which encrypts) and the server (which inspects what it forwards).
 *
 * Protected frame = clearPrefix || SFrame ciphertext (header || ct || tag), where the clear
 * prefix is passed to SFrame as metadata: authenticated, not encrypted. Changing one clear
 * byte makes decryption fail.
 *
 * What the clear prefix reveals to the server, by design: for VP8, frame type (key or delta),
 * VP8 version, show_frame and the size of the first partition; on key frames also the picture
 * size. Nothing of Opus. Frame sizes and timing are visible in any case.
 */

/**
 * Codecs offered when end-to-end encryption is on. VP8 because the SFU needs to find key
 * frames and its payload header is a fixed, tiny clear prefix; Opus because the SFU needs
 * nothing from inside it. H.264, VP9 and AV1 need codec-specific in-frame parsing (NAL units,
 * OBUs, superframe indices) for packetization and layer handling that an encrypted body breaks.
 */
export const E2EE_CODECS = ['vp8', 'opus'] as const;
export type E2eeCodec = (typeof E2EE_CODECS)[number];

const CODEC_NAMES: ReadonlyMap<string, E2eeCodec> = new Map([
  ['vp8', 'vp8'],
  ['video/vp8', 'vp8'],
  ['opus', 'opus'],
  ['audio/opus', 'opus'],
]);

/**
 * VP8 "frame tag" (RFC 6386 §9.1, §19.1): 3 bytes on every frame, holding the key-frame flag,
 * version, show_frame and first-partition size. RTP packetizers and SFUs read it (RFC 7741
 * §4.3 derives the payload header's P bit from it), so it stays in the clear.
 */
export const VP8_DELTA_FRAME_CLEAR_BYTES = 3;

/**
 * Key frames add 7 bytes to the frame tag (RFC 6386 §9.1, §19.1): the start code 9d 01 2a and
 * two 16-bit words of width/height and scaling. They stay in the clear so the SFU can see a
 * key frame and its resolution. Total 3 + 7 = 10.
 */
export const VP8_KEY_FRAME_CLEAR_BYTES = 10;

/** Start code at bytes 3..5 of every VP8 key frame (RFC 6386 §9.1). */
export const VP8_KEY_FRAME_START_CODE: readonly number[] = [0x9d, 0x01, 0x2a];

/** Accepts 'vp8', 'opus' and the WebRTC MIME types 'video/VP8', 'audio/opus' (any case). */
export function isE2eeCodec(codec: string): boolean {
  return CODEC_NAMES.has(codec.toLowerCase());
}

/** Normalises a codec name or MIME type; any codec but VP8 or Opus is refused. */
export function parseE2eeCodec(codec: string): E2eeCodec {
  const parsed = CODEC_NAMES.get(String(codec).toLowerCase());
  if (parsed === undefined) {
    throw new SFrameError('unsupported-codec', unsupportedCodecMessage(codec));
  }
  return parsed;
}

function unsupportedCodecMessage(codec: string): string {
  return `codec '${codec}' cannot be used: only VP8 and Opus are offered when end-to-end encryption is on`;
}

/** Bit 0 of the first byte is the inverse key-frame flag: 0 means key frame (RFC 6386 §9.1). */
function isVp8KeyFrame(firstByte: number): boolean {
  return (firstByte & 0x01) === 0;
}

/**
 * Number of leading bytes of a plaintext frame that stay in the clear. A VP8 frame shorter
 * than its own payload header (3 bytes, or 10 for a key frame) is not a VP8 frame; rather than
 * guess (sending it whole in the clear would leak, encrypting it whole would hide the flag the
 * receiver needs to split it), it is refused with `malformed-frame` and must be dropped.
 */
export function clearPrefixLength(codec: E2eeCodec, frame: Uint8Array): number {
  if (codec === 'opus') return 0;
  const first = frame[0];
  const needed =
    first === undefined || isVp8KeyFrame(first)
      ? VP8_KEY_FRAME_CLEAR_BYTES
      : VP8_DELTA_FRAME_CLEAR_BYTES;
  if (frame.length < needed) {
    throw new SFrameError(
      'malformed-frame',
      `VP8 frame of ${frame.length} bytes is shorter than its ${needed}-byte payload header; dropped`,
    );
  }
  return needed;
}

/** Encrypts an encoded frame: clearPrefix || header || ct || tag, clearPrefix authenticated. */
export async function protectFrame(
  sender: SFrameSender,
  codec: string,
  frame: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const prefix = clearPrefixLength(parseE2eeCodec(codec), frame);
  if (prefix === 0) return sender.encrypt(frame);
  return sender.encrypt(frame.subarray(prefix), frame.subarray(0, prefix), {
    metadataFirst: true,
  });
}

export interface UnprotectedFrame {
  readonly kid: bigint;
  readonly ctr: bigint;
  /** The original encoded frame, clear prefix included. */
  readonly frame: Uint8Array<ArrayBuffer>;
}

/** Inverse of protectFrame; throws SFrameError as SFrameReceiver.decrypt does. */
export async function unprotectFrame(
  receiver: SFrameReceiver,
  codec: string,
  data: Uint8Array,
): Promise<UnprotectedFrame> {
  const parsed = parseE2eeCodec(codec);
  let prefix = 0;
  if (parsed === 'vp8') {
    const first = data[0];
    prefix =
      first === undefined || isVp8KeyFrame(first)
        ? VP8_KEY_FRAME_CLEAR_BYTES
        : VP8_DELTA_FRAME_CLEAR_BYTES;
    if (data.length <= prefix) {
      throw new SFrameError('truncated', 'protected VP8 frame ends before its SFrame header');
    }
  }
  if (prefix === 0) {
    const result: SFrameDecryptResult = await receiver.decrypt(data);
    return { kid: result.kid, ctr: result.ctr, frame: result.plaintext };
  }
  const clear = data.subarray(0, prefix);
  const result = await receiver.decrypt(data.subarray(prefix), clear);
  const frame = prependRoom(wholeBuffer(result.plaintext), prefix);
  frame.set(clear, 0);
  return { kid: result.kid, ctr: result.ctr, frame };
}
