import type { JoinedResult } from '@skjerm/protocol';
import {
  type MediaKind,
  type MemberSession,
  producerRtpParameters,
  SFRAME_CIPHER_SUITE,
  type TransportKeys,
} from './control-plane.ts';
import type { SignalingClient } from './signaling-client.ts';

/** One admitted member: SRTP plain transports, SFrame-declared producers, consumers. */
export class SkjermSession implements MemberSession {
  readonly joinStartedAt: number;
  readonly senderSlot: number;
  readonly #client: SignalingClient;
  readonly #onSendPort: (port: number) => void;
  readonly #participantId: string;
  #sendTransportId = '';
  #recvTransportId = '';
  #known: string[];
  #listener: ((producerId: string) => void) | undefined;

  /** `onSendPort` learns each port the worker receives this member's media on. */
  constructor(client: SignalingClient, joined: JoinedResult, onSendPort: (port: number) => void) {
    this.#client = client;
    this.#onSendPort = onSendPort;
    this.joinStartedAt = client.openedAt;
    this.senderSlot = joined.senderSlot;
    this.#participantId = joined.participantId;
    this.#known = joined.producers.map((p) => p.producerId);
    client.on('newProducer', ({ producerId, participantId }) => {
      if (participantId === this.#participantId) return;
      if (this.#listener) this.#listener(producerId);
      else this.#known.push(producerId);
    });
  }

  async openTransports(receivePort: number, keys: TransportKeys) {
    const send = await this.#client.request('createTransport', {
      direction: 'send',
      type: 'plain',
      srtp: true,
    });
    const recv = await this.#client.request('createTransport', {
      direction: 'recv',
      type: 'plain',
      srtp: true,
    });
    if (!('port' in send) || !('port' in recv) || !send.srtpParameters || !recv.srtpParameters) {
      throw new Error('expected SRTP plain transports');
    }
    // The send transport learns the generator's address from its first packet: key only.
    await this.#client.request('connectTransport', {
      transportId: send.transportId,
      srtpParameters: keys.send,
    });
    await this.#client.request('connectTransport', {
      transportId: recv.transportId,
      ip: '127.0.0.1',
      port: receivePort,
      srtpParameters: keys.recv,
    });
    this.#sendTransportId = send.transportId;
    this.#recvTransportId = recv.transportId;
    this.#onSendPort(send.port);
    return {
      sendPort: send.port,
      workerKeys: { send: send.srtpParameters, recv: recv.srtpParameters },
    };
  }

  async produce(kind: MediaKind, ssrc: number, kids: readonly number[]): Promise<string> {
    const { producerId } = await this.#client.request('produce', {
      transportId: this.#sendTransportId,
      kind,
      rtpParameters: producerRtpParameters(kind, ssrc),
      sframe: { cipherSuite: SFRAME_CIPHER_SUITE, kids: [...kids] },
    });
    return producerId;
  }

  onProducer(listener: (producerId: string) => void): void {
    this.#listener = listener;
    for (const producerId of this.#known.splice(0)) listener(producerId);
  }

  async consume(producerId: string) {
    const consumer = await this.#client.request('consume', {
      transportId: this.#recvTransportId,
      producerId,
    });
    const encodings = consumer.rtpParameters.encodings as { ssrc: number }[];
    return {
      ssrc: encodings[0]?.ssrc ?? 0,
      resume: async () => {
        await this.#client.request('resumeConsumer', { consumerId: consumer.consumerId });
      },
    };
  }

  /** The connection itself, for the signaling rate measurement. */
  get client(): SignalingClient {
    return this.#client;
  }

  get participantId(): string {
    return this.#participantId;
  }

  async leave(): Promise<void> {
    await this.#client.close();
  }
}
