import { Device, type types } from 'mediasoup-client';

/**
 * What a Skjerm router offers, as mediasoup 3.12 builds it from apps/server/src/media/codecs.ts
 * (Opus and VP8 only, with RTX; payload types 100-102 as the router assigns them) and the
 * header extensions mediasoup supports, with its ids.
 *
 * `join` must carry the RTP capabilities this browser receives with, yet the router's own
 * capabilities come only in join's answer. So the capabilities sent are this template
 * intersected with the browser's (a throwaway Device does the intersection); consumers match
 * codecs by MIME type and clock rate and header extensions by URI and id, all of which the
 * template shares with the real router.
 */
const FEEDBACK_VIDEO: types.RtcpFeedback[] = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'goog-remb' },
  { type: 'transport-cc' },
];

const extension = (
  kind: types.MediaKind,
  uri: types.RtpHeaderExtensionUri,
  preferredId: number,
  direction: types.RtpHeaderExtensionDirection = 'sendrecv',
): types.RtpHeaderExtension => ({ kind, uri, preferredId, preferredEncrypt: false, direction });

export const SKJERM_ROUTER_TEMPLATE: types.RtpCapabilities = {
  codecs: [
    {
      kind: 'audio',
      mimeType: 'audio/opus',
      preferredPayloadType: 100,
      clockRate: 48000,
      channels: 2,
      parameters: { useinbandfec: 1, usedtx: 1 },
      rtcpFeedback: [{ type: 'nack' }, { type: 'transport-cc' }],
    },
    {
      kind: 'video',
      mimeType: 'video/VP8',
      preferredPayloadType: 101,
      clockRate: 90000,
      parameters: {},
      rtcpFeedback: FEEDBACK_VIDEO,
    },
    {
      kind: 'video',
      mimeType: 'video/rtx',
      preferredPayloadType: 102,
      clockRate: 90000,
      parameters: { apt: 101 },
      rtcpFeedback: [],
    },
  ],
  headerExtensions: [
    extension('audio', 'urn:ietf:params:rtp-hdrext:sdes:mid', 1),
    extension('video', 'urn:ietf:params:rtp-hdrext:sdes:mid', 1),
    extension('audio', 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 4),
    extension('video', 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 4),
    extension(
      'audio',
      'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      5,
      'recvonly',
    ),
    extension(
      'video',
      'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      5,
    ),
    extension('audio', 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', 10),
    extension('video', 'urn:3gpp:video-orientation', 11),
    extension('audio', 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time', 13),
    extension('video', 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time', 13),
  ],
};

/** This browser's receive capabilities against a Skjerm router, for `join`. */
export async function receiveCapabilities(
  handlerFactory?: types.HandlerFactory,
): Promise<types.RtpCapabilities> {
  const device = new Device(handlerFactory ? { handlerFactory } : {});
  await device.load({ routerRtpCapabilities: SKJERM_ROUTER_TEMPLATE });
  return device.recvRtpCapabilities;
}
