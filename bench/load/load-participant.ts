import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { type MediaKind, type MemberSession, SFRAME_CIPHER_SUITE } from './control-plane.ts';
import { MediaReceiver, type WindowRecorder } from './media-receiver.ts';
import { asksForKeyFrame } from './rtp.ts';
import { RtpSource } from './rtp-source.ts';
import { SFrameKey } from './sframe-key.ts';
import { generateSrtpParameters, SrtpContext } from './srtp.ts';

/**
 * Every track the load generator sends, by producer id: a receiver learns from it whose key
 * opens a consumer's frames and which window its probes belong to. SSRCs are handed out here so
 * no two tracks share one.
 */
export class ProducerDirectory {
  readonly #sources = new Map<string, RtpSource>();
  readonly #waiting = new Map<string, ((source: RtpSource) => void)[]>();
  #nextSsrc = 0x1000_0000 + Math.floor(Math.random() * 0x1000_0000);

  allocateSsrc(): number {
    return this.#nextSsrc++ >>> 0;
  }

  register(producerId: string, source: RtpSource): void {
    this.#sources.set(producerId, source);
    for (const resolve of this.#waiting.get(producerId) ?? []) resolve(source);
    this.#waiting.delete(producerId);
  }

  /** The source of a producer; waits for its produce call to return if need be. */
  lookup(producerId: string): Promise<RtpSource> {
    const source = this.#sources.get(producerId);
    if (source) return Promise.resolve(source);
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(producerId) ?? [];
      waiting.push(resolve);
      this.#waiting.set(producerId, waiting);
      setTimeout(
        () => reject(new Error(`producer ${producerId} is not the load's`)),
        10_000,
      ).unref();
    });
  }
}

/**
 * One synthetic member: a sending socket (its tracks, and the RTCP that asks for key frames),
 * a receiving socket, an SFrame key, and the consumers of everyone else's tracks. What it does
 * on the control plane goes through a MemberSession, Skjerm's or the baseline's.
 */
export class LoadParticipant {
  readonly kinds: readonly MediaKind[];
  readonly receiver: MediaReceiver;
  readonly sources: RtpSource[] = [];
  /** Join time counts only when someone in the room was already sending as it began. */
  readonly measureJoin: boolean;
  consumeFailures = 0;
  /** SRTCP from the worker on the send transport whose tag did not verify. */
  srtcpFailures = 0;
  #session: MemberSession | undefined;
  /** The worker's key of the send transport: it protects the RTCP asking for key frames. */
  #sendTransportInbound: SrtpContext | undefined;
  readonly #sendSocket: Socket;

  private constructor(
    kinds: readonly MediaKind[],
    receiver: MediaReceiver,
    sendSocket: Socket,
    measureJoin: boolean,
  ) {
    this.kinds = kinds;
    this.receiver = receiver;
    this.#sendSocket = sendSocket;
    this.measureJoin = measureJoin;
    sendSocket.on('error', () => undefined); // ICMP unreachable after the transport closed
    sendSocket.on('message', (packet) => {
      if (!this.#sendTransportInbound) return;
      const rtcp = this.#sendTransportInbound.unprotectRtcp(packet);
      if (!rtcp) {
        this.srtcpFailures++;
        return;
      }
      if (!asksForKeyFrame(rtcp)) return;
      for (const source of this.sources) source.requestKeyFrame();
    });
  }

  static async create(
    kinds: readonly MediaKind[],
    recorder: WindowRecorder,
    measureJoin: boolean,
  ): Promise<LoadParticipant> {
    const receiver = await MediaReceiver.open(recorder);
    const sendSocket = createSocket('udp4');
    sendSocket.bind(0, '127.0.0.1');
    await once(sendSocket, 'listening');
    return new LoadParticipant(kinds, receiver, sendSocket, measureJoin);
  }

  get session(): MemberSession | undefined {
    return this.#session;
  }

  /** Local ports of both sockets (for the kernel's drop counters). */
  get ports(): number[] {
    return [this.receiver.port, this.#sendSocket.address().port];
  }

  /** Join time in ms (WebSocket open to first decrypted frame), if media arrived. */
  get joinTimeMs(): number | undefined {
    const first = this.receiver.firstFrameAt;
    return first === undefined || !this.#session ? undefined : first - this.#session.joinStartedAt;
  }

  /**
   * After joining: SRTP transports, a key for the member's sender slot, its tracks produced
   * and sending, and every producer of the others consumed as it appears.
   */
  async attach(session: MemberSession, directory: ProducerDirectory): Promise<void> {
    this.#session = session;
    const kid = session.senderSlot * 0x1_0000;
    const baseKey = randomBytes(16);
    const keys = { send: generateSrtpParameters(), recv: generateSrtpParameters() };
    const [key, { sendPort, workerKeys }] = await Promise.all([
      SFrameKey.create(SFRAME_CIPHER_SUITE, BigInt(kid), baseKey),
      session.openTransports(this.receiver.port, keys),
    ]);
    this.#sendTransportInbound = new SrtpContext(workerKeys.send);
    this.receiver.useSrtpKey(new SrtpContext(workerKeys.recv));
    // One context for all of the member's tracks: it keeps a rollover counter per SSRC.
    const outbound = new SrtpContext(keys.send);
    this.#sendSocket.connect(sendPort, '127.0.0.1');
    await once(this.#sendSocket, 'connect');
    for (const kind of this.kinds) {
      const source = new RtpSource({
        kind,
        ssrc: directory.allocateSsrc(),
        socket: this.#sendSocket,
        key,
        srtp: outbound,
      });
      const producerId = await session.produce(kind, source.ssrc, [kid]);
      directory.register(producerId, source);
      this.sources.push(source);
      source.start();
    }
    session.onProducer((producerId) => void this.#consume(session, producerId, directory));
  }

  async #consume(session: MemberSession, producerId: string, directory: ProducerDirectory) {
    try {
      const source = await directory.lookup(producerId);
      const { ssrc, resume } = await session.consume(producerId);
      // Known before the first packet can arrive: consumers start paused.
      this.receiver.addStream(ssrc, source);
      await resume();
    } catch {
      this.consumeFailures++;
    }
  }

  async close(): Promise<void> {
    for (const source of this.sources) source.stop();
    await this.#session?.leave().catch(() => undefined);
    this.#sendSocket.close();
    this.receiver.close();
  }
}
