import { describe, expect, it } from 'vitest';
import { BitrateMeter, collectStats, lossFraction, rtpTotals } from './media-stats.ts';

describe('media stats', () => {
  it('sums inbound RTP streams and takes the decoded size from the video stream', () => {
    const totals = rtpTotals(
      [
        {
          type: 'inbound-rtp',
          bytesReceived: 1000,
          packetsReceived: 10,
          packetsLost: 1,
          frameWidth: 640,
          frameHeight: 480,
          framesDecoded: 30,
          timestamp: 5000,
        },
        {
          type: 'inbound-rtp',
          bytesReceived: 200,
          packetsReceived: 2,
          packetsLost: 0,
          timestamp: 5001,
        },
        { type: 'outbound-rtp', bytesSent: 9999 },
        { type: 'codec', mimeType: 'video/VP8' },
      ],
      'inbound',
    );
    expect(totals).toEqual({
      bytes: 1200,
      packets: 12,
      packetsLost: 1,
      frameWidth: 640,
      frameHeight: 480,
      frames: 30,
      timestampMs: 5001,
    });
  });

  it('counts outbound loss from the remote-inbound report', () => {
    const totals = rtpTotals(
      [
        { type: 'outbound-rtp', bytesSent: 500, packetsSent: 5, timestamp: 1 },
        { type: 'remote-inbound-rtp', packetsLost: 2 },
      ],
      'outbound',
    );
    expect(totals).toMatchObject({ bytes: 500, packets: 5, packetsLost: 2 });
  });

  it('computes loss as a fraction of the packets that should have arrived', () => {
    expect(lossFraction(1, 99)).toBeCloseTo(0.01);
    expect(lossFraction(0, 0)).toBe(0);
  });

  it('measures bitrate between samples and restarts when a counter goes back', () => {
    const meter = new BitrateMeter();
    expect(meter.sample('p', 0, 1000)).toBe(0);
    expect(meter.sample('p', 125_000, 2000)).toBe(1_000_000);
    expect(meter.sample('p', 125_000, 2000)).toBe(0);
    expect(meter.sample('p', 10, 3000)).toBe(0);
    expect(meter.sample('p', 12_510, 4000)).toBe(100_000);
  });

  it('collects per-producer and per-consumer stats and skips closed ones', async () => {
    const report = (entries: Record<string, unknown>[]) => async () =>
      new Map(entries.map((e, i) => [String(i), e]));
    const meter = new BitrateMeter();
    const stats = await collectStats(
      [
        {
          kind: 'video',
          producer: {
            id: 'p1',
            closed: false,
            getStats: report([
              {
                type: 'outbound-rtp',
                bytesSent: 10,
                packetsSent: 1,
                framesEncoded: 3,
                timestamp: 1,
              },
            ]),
          },
        },
        { kind: 'audio', producer: undefined },
      ],
      [
        {
          consumer: {
            id: 'c1',
            closed: false,
            getStats: report([
              {
                type: 'inbound-rtp',
                bytesReceived: 5,
                packetsReceived: 1,
                packetsLost: 1,
                audioLevel: 0.2,
                timestamp: 1,
              },
            ]),
          },
          remote: { participantId: 'bo', kind: 'audio' },
        },
        {
          consumer: { id: 'c2', closed: true, getStats: report([]) },
          remote: { participantId: 'bo', kind: 'video' },
        },
      ],
      meter,
    );
    expect(stats.outbound).toEqual([
      {
        producerId: 'p1',
        kind: 'video',
        bitrate: 0,
        packetsSent: 1,
        packetsLost: 0,
        framesEncoded: 3,
      },
    ]);
    expect(stats.inbound).toEqual([
      {
        consumerId: 'c1',
        participantId: 'bo',
        kind: 'audio',
        bitrate: 0,
        packetsReceived: 1,
        packetsLost: 1,
        packetLoss: 0.5,
        audioLevel: 0.2,
      },
    ]);
  });
});
