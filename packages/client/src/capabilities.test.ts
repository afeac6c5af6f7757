import { describe, expect, it } from 'vitest';
import {
  detectEncodedTransformApi,
  peerConnectionSettings,
  requireEncodedTransformApi,
} from './capabilities.ts';
import { SkjermClientError } from './errors.ts';

class RTCRtpScriptTransform {}
const senderWithEncodedStreams = { prototype: { createEncodedStreams() {} } };

describe('encoded-transform capability check', () => {
  it('prefers RTCRtpScriptTransform when the browser has both APIs', () => {
    expect(
      detectEncodedTransformApi({ RTCRtpScriptTransform, RTCRtpSender: senderWithEncodedStreams }),
    ).toBe('script-transform');
  });

  it("falls back to Chrome's createEncodedStreams, which needs encodedInsertableStreams on the connection", () => {
    const api = requireEncodedTransformApi({ RTCRtpSender: senderWithEncodedStreams });
    expect(api).toBe('encoded-streams');
    expect(peerConnectionSettings(api)).toEqual({ encodedInsertableStreams: true });
    expect(peerConnectionSettings('script-transform')).toEqual({});
  });

  it('refuses a browser with neither, saying that Skjerm never sends media unencrypted', () => {
    const refuse = () => requireEncodedTransformApi({ RTCRtpSender: { prototype: {} } });
    expect(refuse).toThrow(SkjermClientError);
    expect(refuse).toThrow(/Skjerm never sends media unencrypted/);
    try {
      refuse();
    } catch (error) {
      expect((error as SkjermClientError).code).toBe('unsupported-browser');
    }
    expect(detectEncodedTransformApi({})).toBeUndefined();
  });
});
