import { UNSUPPORTED_BROWSER_MESSAGE } from '@skjerm/e2ee';
import { SkjermClientError } from './errors.ts';

/**
 * How encoded frames reach the E2EE worker: RTCRtpScriptTransform (the standard, preferred),
 * or Chrome's older createEncodedStreams, which only works on peer connections created with
 * `encodedInsertableStreams: true`.
 */
export type EncodedTransformApi = 'script-transform' | 'encoded-streams';

/** Where the APIs are looked up; tests pass plain objects. */
export interface BrowserEnvironment {
  readonly RTCRtpScriptTransform?: unknown;
  readonly RTCRtpSender?: unknown;
}

export function detectEncodedTransformApi(
  env: BrowserEnvironment = globalThis,
): EncodedTransformApi | undefined {
  if (typeof env.RTCRtpScriptTransform === 'function') return 'script-transform';
  const sender = env.RTCRtpSender as { prototype?: { createEncodedStreams?: unknown } } | undefined;
  if (typeof sender?.prototype?.createEncodedStreams === 'function') return 'encoded-streams';
  return undefined;
}

/**
 * The API to use, or SkjermClientError('unsupported-browser'). Checked before joining: a
 * participant that cannot encrypt must not appear in anyone's roster, let alone send.
 */
export function requireEncodedTransformApi(
  env: BrowserEnvironment = globalThis,
): EncodedTransformApi {
  const api = detectEncodedTransformApi(env);
  if (api === undefined) {
    throw new SkjermClientError('unsupported-browser', UNSUPPORTED_BROWSER_MESSAGE);
  }
  return api;
}

/**
 * RTCConfiguration additions a transport needs for `api`. Chrome refuses a script transform
 * on a connection made for createEncodedStreams, so the flag is set only for the fallback.
 */
export function peerConnectionSettings(api: EncodedTransformApi): Record<string, unknown> {
  return api === 'encoded-streams' ? { encodedInsertableStreams: true } : {};
}
