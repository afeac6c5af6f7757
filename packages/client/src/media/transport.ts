import { DEFAULT_CIPHER_SUITE } from '@skjerm/e2ee';
import type { RequestMethod, RequestParams, RequestResult } from '@skjerm/protocol';
import type { Device, types } from 'mediasoup-client';
import { SkjermClientError } from '../errors.ts';

/** The requests media needs; the client's SignalingConnection. */
export interface MediaSignaling {
  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>>;
}

export interface TransportWiring {
  readonly device: Device;
  readonly signaling: MediaSignaling;
  /** RTCConfiguration additions (the encoded-streams flag, see capabilities.ts). */
  readonly rtcConfiguration: Record<string, unknown>;
  /**
   * 'relay' sends media only through the TURN relays the server hands out with each transport
   * (networks that allow nothing else, or tests); default 'all'.
   */
  readonly iceTransportPolicy?: 'all' | 'relay' | undefined;
  /** The KIDs a new producer declares. */
  readonly kids: () => number[];
  readonly onConnectionState: (direction: 'send' | 'recv', state: string) => void;
}

/**
 * Creates a WebRTC transport on the server and its mediasoup-client counterpart, wired to
 * signaling: the server's ICE servers (TURN relays) go into the RTCPeerConnection, DTLS
 * parameters go out in connectTransport, and every producer is declared with
 * its SFrame parameters (the server refuses a producer without them, and closes one whose
 * frames do not match them).
 */
export async function createTransport(
  direction: 'send' | 'recv',
  wiring: TransportWiring,
): Promise<types.Transport> {
  const { device, signaling } = wiring;
  const answer = await signaling.request('createTransport', { direction });
  if (!('iceParameters' in answer)) {
    throw new SkjermClientError('invalid-message', 'createTransport: not a WebRTC transport');
  }
  const options: types.TransportOptions = {
    id: answer.transportId,
    iceParameters: answer.iceParameters as unknown as types.IceParameters,
    iceCandidates: answer.iceCandidates as unknown as types.IceCandidate[],
    dtlsParameters: answer.dtlsParameters as unknown as types.DtlsParameters,
    // TURN credentials expire (SKJERM_TURN_TTL_SECONDS): they are fetched with each transport.
    iceServers: answer.iceServers ?? [],
    iceTransportPolicy: wiring.iceTransportPolicy ?? 'all',
    additionalSettings: wiring.rtcConfiguration as RTCConfiguration,
  };
  const transport =
    direction === 'send'
      ? device.createSendTransport(options)
      : device.createRecvTransport(options);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    signaling
      .request('connectTransport', {
        transportId: transport.id,
        dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
      })
      .then(() => callback(), errback);
  });
  transport.on('connectionstatechange', (state) => wiring.onConnectionState(direction, state));
  if (direction === 'send') {
    transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
      signaling
        .request('produce', {
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as unknown as Record<string, unknown>,
          sframe: { cipherSuite: DEFAULT_CIPHER_SUITE, kids: wiring.kids() },
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
  }
  return transport;
}
