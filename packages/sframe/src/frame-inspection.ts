import { cipherSuiteParams, isCipherSuiteId } from './cipher-suites.ts';
import {
  isE2eeCodec,
  parseE2eeCodec,
  VP8_DELTA_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_START_CODE,
} from './frame-layout.ts';
import { parseHeader } from './header.ts';

/**
 * Server-side, synchronous structure check of a forwarded frame (no keys, no crypto).
 *
 * What it CAN tell: the clear VP8 payload header is present (and, on key frames, carries the
 * VP8 start code); an SFrame header follows and parses (minimal encoding, not cut short); its
 * KID is one of `expectedKids`; and, when the whole frame's length is known, the frame is long
 * enough to hold header and tag. It returns the KID, CTR and, for VP8, the key-frame flag.
 *
 * `data` must start at the first byte of the frame: for VP8 the payload of the packet that
 * starts the frame (descriptor S bit set, partition index 0) with the RTP VP8 payload
 * descriptor removed; for Opus any packet, since each carries a whole frame.
 *
 * What it CANNOT tell: whether the frame is authentic or really encrypted. Only receivers
 * holding the key can authenticate; KID, CTR and the key-frame flag are what the frame
 * claims, and a sender or forger can claim anything. Structure alone is weak evidence: nearly
 * any byte string starts with a parseable SFrame header, so a plaintext frame passes unless
 * KIDs are checked. The server therefore requires `expectedKids` (the KIDs participants
 * announced), and KIDs should be at least 2^24 so that the check means something:
 *
 * False-accept probability: after the clear prefix, a plaintext frame continues with
 * compressed data, close to uniformly random bytes. Such bytes name a given KID only if the
 * config byte's high nibble matches (X flag and K bits, probability 2^-4) and, for an extended
 * KID of L bytes, the next L bytes equal the KID (2^-8L). So per inspected frame
 *   P(false accept) <= sum over expected KIDs of 2^-(4 + 8L),   L = 0 for KIDs 0..7.
 * A short-form KID (0..7) matches 1 frame in 16 and is useless for this check; a KID of
 * 4 bytes (2^24 .. 2^32-1) gives 2^-36, about 1.5e-11 per KID per frame. See
 * `inspectionFalseAcceptBound`. A server may tighten this further by checking that CTRs from
 * one sender grow, which random data does not do.
 */

export interface InspectProtectedFrameInput {
  /** 'vp8' | 'opus' or their MIME types; anything else is reported as unsupported-codec. */
  readonly codec: string;
  readonly cipherSuite: number;
  /** The first bytes of the frame (e.g. first RTP packet payload, VP8 descriptor removed). */
  readonly data: Uint8Array;
  /** Length of the whole protected frame, when known, to check room for the tag. */
  readonly frameLength?: number | undefined;
  /** KIDs the sender announced; a frame naming any other KID is refused. */
  readonly expectedKids?: ReadonlySet<bigint> | undefined;
}

export type InspectFailureReason =
  | 'unsupported-codec'
  | 'unsupported-cipher-suite'
  | 'truncated'
  | 'malformed-vp8-header'
  | 'malformed-header'
  | 'unexpected-kid';

export type InspectResult =
  | {
      readonly wellFormed: true;
      readonly kid: bigint;
      readonly ctr: bigint;
      /** VP8 only: whether the clear payload header marks a key frame. */
      readonly keyFrame?: boolean;
      /** Bytes before the SFrame header (the clear prefix). */
      readonly headerOffset: number;
      readonly headerLength: number;
    }
  | { readonly wellFormed: false; readonly reason: InspectFailureReason; readonly detail: string };

function fail(reason: InspectFailureReason, detail: string): InspectResult {
  return { wellFormed: false, reason, detail };
}

/** Never throws; every problem is reported as `{ wellFormed: false, reason }`. */
export function inspectProtectedFrame(input: InspectProtectedFrameInput): InspectResult {
  const { data, frameLength, expectedKids } = input;
  if (!isE2eeCodec(input.codec)) {
    return fail(
      'unsupported-codec',
      `codec '${input.codec}' is not allowed: only VP8 and Opus are offered when end-to-end encryption is on`,
    );
  }
  if (!isCipherSuiteId(input.cipherSuite)) {
    return fail('unsupported-cipher-suite', `cipher suite ${input.cipherSuite} is not supported`);
  }
  const codec = parseE2eeCodec(input.codec);
  let offset = 0;
  let keyFrame: boolean | undefined;
  if (codec === 'vp8') {
    const first = data[0];
    if (first === undefined) return fail('truncated', 'no data');
    keyFrame = (first & 0x01) === 0;
    offset = keyFrame ? VP8_KEY_FRAME_CLEAR_BYTES : VP8_DELTA_FRAME_CLEAR_BYTES;
    if (data.length <= offset) {
      return fail('truncated', `data ends inside the ${offset}-byte clear VP8 payload header`);
    }
    if (keyFrame && VP8_KEY_FRAME_START_CODE.some((byte, i) => data[3 + i] !== byte)) {
      return fail('malformed-vp8-header', 'VP8 key frame without the 9d 01 2a start code');
    }
  }
  const parsed = parseHeader(data.subarray(offset));
  if (!parsed.ok) return fail(parsed.code, parsed.message);
  const { kid, ctr, length } = parsed.header;
  if (expectedKids !== undefined && !expectedKids.has(kid)) {
    return fail('unexpected-kid', `KID ${kid} was not announced`);
  }
  if (frameLength !== undefined) {
    const minimum = offset + length + cipherSuiteParams(input.cipherSuite).nt;
    if (frameLength < minimum) {
      return fail('truncated', `frame of ${frameLength} bytes cannot hold header and tag`);
    }
  }
  const common = {
    wellFormed: true,
    kid,
    ctr,
    headerOffset: offset,
    headerLength: length,
  } as const;
  return keyFrame === undefined ? common : { ...common, keyFrame };
}

/**
 * Upper bound on the chance that one frame of random bytes passes inspection with these
 * expected KIDs (see the module comment). Lets the server refuse KID sets that make the
 * check meaningless, e.g. short-form KIDs.
 */
export function inspectionFalseAcceptBound(expectedKids: Iterable<bigint>): number {
  let bound = 0;
  for (const kid of expectedKids) {
    let bytes = 0;
    if (kid >= 8n) for (let v = kid; v > 0n; v >>= 8n) bytes++;
    bound += 2 ** -(4 + 8 * bytes);
  }
  return Math.min(1, bound);
}
