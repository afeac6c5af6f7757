import { parseE2eeCodec } from '@skjerm/sframe';
import { dropReason, FrameStats } from './frame-stats.ts';
import type { MediaKeys } from './media-keys.ts';
import type { E2eeTransformOptions } from './messages.ts';

/**
 * The parts of RTCEncodedVideoFrame / RTCEncodedAudioFrame the cryptor uses, so tests can
 * pass plain objects.
 */
export interface EncodedFrameLike {
  data: ArrayBuffer;
  readonly type?: 'key' | 'delta' | 'empty' | undefined;
  getMetadata?(): { readonly mimeType?: string | undefined };
}

export interface FrameCryptorOptions extends E2eeTransformOptions {
  readonly keys: MediaKeys;
  /** Counters to add to; the worker shares one across its cryptors. */
  readonly stats?: FrameStats | undefined;
  /**
   * TEST ONLY: sees each send frame just before it is encrypted (plaintext-sampler.ts). Called
   * only in bundles built with test hooks (test-hooks.d.ts); ignored everywhere else.
   */
  readonly onPlaintext?: ((plaintext: Uint8Array) => void) | undefined;
}

function wholeArrayBuffer(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.slice().buffer;
}

/**
 * Encrypts (send) or decrypts (receive) the encoded frames of one RTP sender or receiver.
 *
 * Fail closed: a frame that cannot be encrypted (no key yet, codec other than VP8/Opus) or
 * decrypted (unknown KID, failed tag, replay, another participant's KID) is dropped and
 * counted, never passed on. Passing a failed send frame through would put plaintext media on
 * the wire; passing a failed receive frame to the decoder would let whoever controls the relay
 * inject media.
 */
export class FrameCryptor {
  readonly direction: E2eeTransformOptions['direction'];
  readonly codec: E2eeTransformOptions['codec'];
  readonly participantId: string;
  readonly stats: FrameStats;
  readonly #keys: MediaKeys;
  readonly #onPlaintext: ((plaintext: Uint8Array) => void) | undefined;

  constructor(options: FrameCryptorOptions) {
    this.direction = options.direction;
    this.codec = parseE2eeCodec(options.codec);
    this.participantId = options.participantId;
    this.stats = options.stats ?? new FrameStats();
    this.#keys = options.keys;
    this.#onPlaintext = options.onPlaintext;
  }

  /** Pipes `readable` through the cryptor into `writable`; settles when the streams end. */
  run(readable: ReadableStream, writable: WritableStream): Promise<void> {
    return readable.pipeThrough(this.createTransformStream()).pipeTo(writable);
  }

  createTransformStream(): TransformStream<EncodedFrameLike, EncodedFrameLike> {
    return new TransformStream({
      transform: async (frame, controller) => {
        const out = await this.process(frame);
        if (out !== undefined) controller.enqueue(out);
      },
    });
  }

  /** Returns the frame with its data replaced, or undefined when it must be dropped. */
  async process(frame: EncodedFrameLike): Promise<EncodedFrameLike | undefined> {
    // WebRTC emits zero-byte frames as placeholders (e.g. a dropped layer). They carry no
    // media, and encrypting them would make them non-empty and confuse the packetizer.
    if (frame.data.byteLength === 0) return frame;
    try {
      const codec = this.#frameCodec(frame);
      const data = new Uint8Array(frame.data);
      if (this.direction === 'send') {
        if (this.#keys.sendKid === undefined) {
          this.stats.drop('no-key');
          return undefined;
        }
        if (typeof SKJERM_TEST_HOOKS !== 'undefined' && SKJERM_TEST_HOOKS === true)
          this.#onPlaintext?.(data);
        frame.data = wholeArrayBuffer(await this.#keys.encrypt(codec, data));
        this.stats.framesEncrypted += 1;
      } else {
        const result = await this.#keys.decrypt(codec, data, this.participantId);
        frame.data = wholeArrayBuffer(result.frame);
        this.stats.framesDecrypted += 1;
      }
      return frame;
    } catch (error) {
      this.stats.drop(dropReason(error));
      return undefined;
    }
  }

  /**
   * Browsers that report the frame's MIME type win over the configured codec: a renegotiation
   * to H.264 must make frames drop (unsupported-codec), not go out with the wrong layout.
   */
  #frameCodec(frame: EncodedFrameLike): string {
    const mimeType = frame.getMetadata?.().mimeType;
    return mimeType === undefined || mimeType === '' ? this.codec : parseE2eeCodec(mimeType);
  }
}
