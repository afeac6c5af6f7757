import { randomFillSync } from 'node:crypto';
import { VP8_DELTA_FRAME_CLEAR_BYTES, VP8_KEY_FRAME_CLEAR_BYTES } from '@skjerm/sframe';

/**
 * What a synthetic sender puts on the wire: VP8-like video and Opus-like audio frames of
 * realistic sizes and rates, each carrying a probe (sequence number and send time) at the start
 * of its encrypted part, so receivers can count lost frames and time them once decrypted.
 */

export interface VideoProfile {
  framesPerSecond: number;
  bitsPerSecond: number;
  keyFrameIntervalMs: number;
  /** Key frame size over the mean delta frame size. */
  keyFrameScale: number;
}

/** A webcam at 720p as a browser sends it on a good link. */
export const VIDEO: VideoProfile = {
  framesPerSecond: 30,
  bitsPerSecond: 1_200_000,
  keyFrameIntervalMs: 2_500,
  keyFrameScale: 5,
};

/** Opus at 20 ms per frame (50 packets/s), about 32 kbit/s of speech. */
export const AUDIO = { framesPerSecond: 50, frameBytes: 80 } as const;

/** Frames per key frame interval (a periodic key frame opens each). */
export function framesPerKeyInterval(profile: VideoProfile = VIDEO): number {
  return Math.round((profile.framesPerSecond * profile.keyFrameIntervalMs) / 1000);
}

/**
 * The size of video frame `index`: over one key frame interval the sizes add up to the
 * bitrate, a key frame weighing `keyFrameScale` delta frames; each size wanders by ±20%
 * (deterministically) as an encoder's do with the content.
 */
export function videoFrameBytes(index: number, keyFrame: boolean, profile = VIDEO): number {
  const frames = framesPerKeyInterval(profile);
  const bytesPerInterval = (profile.bitsPerSecond / 8) * (profile.keyFrameIntervalMs / 1000);
  const delta = bytesPerInterval / (frames - 1 + profile.keyFrameScale);
  const jitter = 0.8 + 0.4 * unitHash(index);
  return Math.round((keyFrame ? delta * profile.keyFrameScale : delta) * jitter);
}

/** A deterministic value in [0, 1) per integer (Knuth's multiplicative hash). */
function unitHash(index: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) >>> 0) / 2 ** 32;
}

/** Sequence number (uint32) and send time (float64 ms, performance.now()): 12 bytes. */
export const PROBE_BYTES = 12;

export interface Probe {
  sequence: number;
  sentAtMs: number;
}

export function writeProbe(out: Uint8Array, offset: number, probe: Probe): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, PROBE_BYTES);
  view.setUint32(0, probe.sequence >>> 0);
  view.setFloat64(4, probe.sentAtMs);
}

export function readProbe(bytes: Uint8Array, offset = 0): Probe {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, PROBE_BYTES);
  return { sequence: view.getUint32(0), sentAtMs: view.getFloat64(4) };
}

/** Random bytes standing in for compressed media (incompressible, like the real thing). */
const filler = randomFillSync(new Uint8Array(64 * 1024));

/**
 * A VP8 frame as an encoder emits it (RFC 6386 §9.1): the 3-byte frame tag (key frame flag
 * clear on key frames, show_frame set), on key frames the start code and a 1280x720 size, then
 * the probe and filler. SFrame keeps the first 3 (delta) or 10 (key) bytes in the clear, so the
 * probe is the first encrypted data.
 */
export function vp8Frame(size: number, keyFrame: boolean, probe: Probe): Uint8Array {
  const clear = keyFrame ? VP8_KEY_FRAME_CLEAR_BYTES : VP8_DELTA_FRAME_CLEAR_BYTES;
  const frame = new Uint8Array(Math.max(size, clear + PROBE_BYTES));
  frame.set(filler.subarray(0, frame.length - clear - PROBE_BYTES), clear + PROBE_BYTES);
  frame[0] = keyFrame ? 0x10 : 0x11;
  frame[1] = 0x02;
  frame[2] = 0x00;
  if (keyFrame) frame.set([0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02], 3);
  writeProbe(frame, clear, probe);
  return frame;
}

/** An Opus frame: encrypted whole, so the probe leads it. */
export function opusFrame(size: number, probe: Probe): Uint8Array {
  const frame = new Uint8Array(Math.max(size, PROBE_BYTES));
  frame.set(filler.subarray(0, frame.length - PROBE_BYTES), PROBE_BYTES);
  writeProbe(frame, 0, probe);
  return frame;
}
