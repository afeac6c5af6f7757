// The baseline: the least a mediasoup application must do to forward the same load through the
// same worker binary, run as its own process like Skjerm's server. No signaling, no consultations,
// no SFrame check: routers, SRTP plain transports, produce and consume, driven over the IPC channel by
// raw-mediasoup-driver.ts.
import mediasoup, { type types } from 'mediasoup';
import { routerMediaCodecs } from '../../apps/server/src/media/codecs.ts';
import { SRTP_CRYPTO_SUITE, type SrtpParameters } from './srtp.ts';

/** Requests the driver sends, each with the result it gets back. */
export type RawRequests = {
  createRouter: { params: Record<string, never>; result: { routerId: string } };
  createTransport: {
    params: { routerId: string; direction: 'send' | 'recv' };
    result: { transportId: string; port: number; srtpParameters: SrtpParameters };
  };
  connect: {
    /** `port` for receive transports; send transports learn it from the first packet. */
    params: { transportId: string; port?: number; srtpParameters: SrtpParameters };
    result: Record<string, never>;
  };
  produce: {
    params: { transportId: string; kind: 'audio' | 'video'; rtpParameters: types.RtpParameters };
    result: { producerId: string };
  };
  consume: {
    params: { transportId: string; producerId: string; rtpCapabilities: types.RtpCapabilities };
    result: { consumerId: string; ssrc: number };
  };
  resume: { params: { consumerId: string }; result: Record<string, never> };
  closeRouter: { params: { routerId: string }; result: Record<string, never> };
  resourceUsage: { params: Record<string, never>; result: types.WorkerResourceUsage };
};

export type RawMethod = keyof RawRequests;
export type RawRequestMessage = { id: number; method: RawMethod; params: unknown };
export type RawReplyMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };
export type RawReadyMessage = { ready: true; workerPid: number };

/** The baseline's state: one worker and the mediasoup objects the driver asked for. */
class RawMediasoupServer {
  readonly worker: types.Worker;
  readonly #routers = new Map<string, types.Router>();
  readonly #transports = new Map<string, types.Transport>();
  readonly #consumers = new Map<string, types.Consumer>();

  private constructor(worker: types.Worker) {
    this.worker = worker;
  }

  static async start(): Promise<RawMediasoupServer> {
    // The same settings Skjerm's WorkerPool gives its workers.
    return new RawMediasoupServer(await mediasoup.createWorker({ logLevel: 'warn' }));
  }

  async handle(method: RawMethod, params: unknown): Promise<unknown> {
    switch (method) {
      case 'createRouter': {
        const router = await this.worker.createRouter({ mediaCodecs: routerMediaCodecs });
        this.#routers.set(router.id, router);
        return { routerId: router.id };
      }
      case 'createTransport': {
        const { routerId, direction } = params as RawRequests['createTransport']['params'];
        // As Skjerm's MediaRoom creates SRTP plain transports.
        const transport = await this.#router(routerId).createPlainTransport({
          listenIp: { ip: '127.0.0.1' },
          rtcpMux: true,
          comedia: direction === 'send',
          enableSrtp: true,
          srtpCryptoSuite: SRTP_CRYPTO_SUITE,
        });
        this.#transports.set(transport.id, transport);
        transport.observer.once('close', () => this.#transports.delete(transport.id));
        const keyBase64 = transport.srtpParameters?.keyBase64 ?? '';
        return {
          transportId: transport.id,
          port: transport.tuple.localPort,
          srtpParameters: { cryptoSuite: SRTP_CRYPTO_SUITE, keyBase64 },
        };
      }
      case 'connect': {
        const { transportId, port, srtpParameters } = params as RawRequests['connect']['params'];
        await (this.#transport(transportId) as types.PlainTransport).connect({
          ...(port === undefined ? {} : { ip: '127.0.0.1', port }),
          srtpParameters,
        });
        return {};
      }
      case 'produce': {
        const { transportId, kind, rtpParameters } = params as RawRequests['produce']['params'];
        const producer = await this.#transport(transportId).produce({ kind, rtpParameters });
        return { producerId: producer.id };
      }
      case 'consume': {
        const { transportId, producerId, rtpCapabilities } =
          params as RawRequests['consume']['params'];
        const consumer = await this.#transport(transportId).consume({
          producerId,
          rtpCapabilities,
          paused: true,
        });
        this.#consumers.set(consumer.id, consumer);
        consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
        return { consumerId: consumer.id, ssrc: consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0 };
      }
      case 'resume': {
        const { consumerId } = params as RawRequests['resume']['params'];
        await this.#consumers.get(consumerId)?.resume();
        return {};
      }
      case 'closeRouter': {
        const { routerId } = params as RawRequests['closeRouter']['params'];
        this.#routers.get(routerId)?.close();
        this.#routers.delete(routerId);
        return {};
      }
      case 'resourceUsage':
        return this.worker.getResourceUsage();
    }
  }

  #router(id: string): types.Router {
    const router = this.#routers.get(id);
    if (!router) throw new Error(`no router ${id}`);
    return router;
  }

  #transport(id: string): types.Transport {
    const transport = this.#transports.get(id);
    if (!transport) throw new Error(`no transport ${id}`);
    return transport;
  }
}

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('run me with child_process.fork (raw-mediasoup-driver.ts does)');
  const server = await RawMediasoupServer.start();
  process.on('message', (message: RawRequestMessage) => {
    server.handle(message.method, message.params).then(
      (result) => send({ id: message.id, ok: true, result } satisfies RawReplyMessage),
      (error: unknown) =>
        send({ id: message.id, ok: false, error: String(error) } satisfies RawReplyMessage),
    );
  });
  // The driver went away (or died): nothing may outlive it.
  process.on('disconnect', () => {
    server.worker.close();
    process.exit(0);
  });
  send({ ready: true, workerPid: server.worker.pid } satisfies RawReadyMessage);
}

await main();
