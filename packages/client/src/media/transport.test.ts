import type { Device, types } from 'mediasoup-client';
import { describe, expect, it } from 'vitest';
import { transportAnswer } from '../test-helpers.fixture.ts';
import { createTransport, type MediaSignaling, type TransportWiring } from './transport.ts';

const turnServer = {
  urls: ['turn:127.0.0.1:3478?transport=udp'],
  username: '1767225600:session-1',
  credential: 'G9GxDWCREJWoUQrpCnwAdHg8bms=',
};

/** A Device that records the options mediasoup-client would build its RTCPeerConnection from. */
function recordingDevice() {
  const created: types.TransportOptions[] = [];
  const make = (options: types.TransportOptions) => {
    created.push(options);
    return { id: options.id, on: () => undefined } as unknown as types.Transport;
  };
  const device = { createSendTransport: make, createRecvTransport: make } as unknown as Device;
  return { device, created };
}

function wiring(
  device: Device,
  answer: Record<string, unknown>,
  extra: Partial<TransportWiring> = {},
): TransportWiring {
  const signaling = { request: async () => answer } as unknown as MediaSignaling;
  return {
    device,
    signaling,
    rtcConfiguration: { encodedInsertableStreams: true },
    kids: () => [0x10000],
    onConnectionState: () => undefined,
    ...extra,
  };
}

describe('createTransport', () => {
  it("gives the server's ICE servers to the peer connection, with every ICE route allowed", async () => {
    const { device, created } = recordingDevice();
    await createTransport(
      'send',
      wiring(device, { ...transportAnswer(), iceServers: [turnServer] }),
    );
    expect(created[0]?.iceServers).toEqual([turnServer]);
    expect(created[0]?.iceTransportPolicy).toBe('all');
    expect(created[0]?.additionalSettings).toEqual({ encodedInsertableStreams: true });
  });

  it('uses only the relays when asked to', async () => {
    const { device, created } = recordingDevice();
    const answer = { ...transportAnswer(), iceServers: [turnServer] };
    await createTransport('recv', wiring(device, answer, { iceTransportPolicy: 'relay' }));
    expect(created[0]?.iceTransportPolicy).toBe('relay');
  });

  it('gives no ICE servers when the server has none', async () => {
    const { device, created } = recordingDevice();
    await createTransport('send', wiring(device, transportAnswer()));
    expect(created[0]?.iceServers).toEqual([]);
  });
});
