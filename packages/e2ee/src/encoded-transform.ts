import { E2eeError } from './errors.ts';
import type { E2eeTransformOptions, StreamMessage } from './messages.ts';

export const UNSUPPORTED_BROWSER_MESSAGE =
  'this browser cannot encrypt media end to end; Skjerm never sends media unencrypted';

/** The transform worker as the main thread sees it. */
export interface TransformWorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/**
 * The parts of RTCRtpSender / RTCRtpReceiver used here. createEncodedStreams is Chrome's older
 * Insertable Streams API; it only exists when the RTCPeerConnection was created with
 * `encodedInsertableStreams: true` (mediasoup-client: `additionalSettings`).
 */
export interface EncodedTransformTarget {
  transform?: unknown;
  createEncodedStreams?: () => { readable: ReadableStream; writable: WritableStream };
}

type ScriptTransformConstructor = new (worker: never, options?: unknown) => unknown;

/** Where RTCRtpScriptTransform is looked up; tests pass a fake. */
export interface TransformEnvironment {
  readonly RTCRtpScriptTransform?: unknown;
}

function scriptTransform(env: TransformEnvironment): ScriptTransformConstructor | undefined {
  const ctor = env.RTCRtpScriptTransform;
  return typeof ctor === 'function' ? (ctor as ScriptTransformConstructor) : undefined;
}

export function supportsEncodedTransform(
  target: EncodedTransformTarget,
  env: TransformEnvironment = globalThis,
): boolean {
  return scriptTransform(env) !== undefined || typeof target.createEncodedStreams === 'function';
}

/**
 * Routes every encoded frame of `target` through the transform worker, before it is
 * packetized (sender) or decoded (receiver). Prefers RTCRtpScriptTransform, falls back to
 * createEncodedStreams with the streams transferred to the worker. Without either it throws
 * E2eeError('unsupported-browser'): the caller must not send or play media then, because the
 * only alternative is media the server can see.
 *
 * Attach before media flows (before the track is sent or the receiver's track is played), so
 * that no frame passes untransformed.
 */
export function attachE2eeTransform(
  target: EncodedTransformTarget,
  worker: TransformWorkerLike,
  options: E2eeTransformOptions,
  env: TransformEnvironment = globalThis,
): void {
  const plain: E2eeTransformOptions = {
    direction: options.direction,
    codec: options.codec,
    participantId: options.participantId,
  };
  const Ctor = scriptTransform(env);
  if (Ctor !== undefined) {
    target.transform = new Ctor(worker as never, plain);
    return;
  }
  if (typeof target.createEncodedStreams === 'function') {
    const { readable, writable } = target.createEncodedStreams();
    const message = { type: 'stream', ...plain, readable, writable } satisfies StreamMessage;
    worker.postMessage(message, [readable, writable]);
    return;
  }
  throw new E2eeError('unsupported-browser', UNSUPPORTED_BROWSER_MESSAGE);
}
