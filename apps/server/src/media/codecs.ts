import type { types as mediasoupTypes } from 'mediasoup';

/**
 * The only codecs a Skjerm router offers. End-to-end encryption needs to know each codec's
 * frame layout (VP8 keeps its payload header clear; Opus is encrypted whole, see
 * @skjerm/sframe's frame layout), so no other codec may be negotiated.
 */
export const routerMediaCodecs: mediasoupTypes.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: {},
    rtcpFeedback: [
      { type: 'nack' },
      { type: 'nack', parameter: 'pli' },
      { type: 'ccm', parameter: 'fir' },
      { type: 'goog-remb' },
      { type: 'transport-cc' },
    ],
  },
];
