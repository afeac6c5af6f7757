import { randomBytes } from 'node:crypto';
import type { JoinedResult } from '@skjerm/protocol';
import { SFrameReceiver, SFrameSender, unprotectFrame } from '@skjerm/sframe';
import { PlainRtpPeer } from './plain-rtp-peer.ts';
import type { SignalingClient } from './signaling-client.ts';

/** VP8 RTP payload descriptor the peers write (X=1, S=1, 15-bit picture id): 4 bytes. */
const VP8_DESCRIPTOR_BYTES = 4;

interface Received {
  ownerId: string;
  producerId: string;
  ssrc: number;
}

/**
 * A participant's media as a plain-RTP client does it: sends SFrame-protected VP8 video
 * under its own KID, consumes whatever others announce, and starts over on mediaReset as
 * the browser SDK does. Keys are shared between test participants directly (what key
 * envelopes do in a real call), so received frames can be decrypted and checked.
 */
export class MediaParticipant {
  /** The participant's signaling connection (replaced when it resumes on a new one). */
  client: SignalingClient;
  readonly participantId: string;
  readonly kid: number;
  readonly baseKey = new Uint8Array(randomBytes(16));
  /** Media resets seen: when they arrived and why. */
  readonly resets: { at: number; reason: string }[] = [];
  #sender!: SFrameSender;
  #source: PlainRtpPeer | undefined;
  #sink: PlainRtpPeer | undefined;
  #recvTransportId: string | undefined;
  #consumed = new Map<number, Received>();
  #stopped = false;
  #generation = 0;
  #following: Promise<void> | undefined;
  #starting: Promise<void> | undefined;

  constructor(client: SignalingClient, joined: JoinedResult) {
    this.client = client;
    this.participantId = joined.participantId;
    this.kid = joined.senderSlot * 0x1_0000;
  }

  /** Sends video and consumes everyone else's, now and whenever someone new produces. */
  async start(existing: readonly { producerId: string }[] = []): Promise<void> {
    this.#sender = await SFrameSender.create(4, BigInt(this.kid), this.baseKey);
    this.#starting = this.#startMedia(existing.map((p) => p.producerId));
    await this.#starting;
    this.#following ??= this.#follow();
  }

  /** Packets received from `owner` on the current transports (counted afresh after a reset). */
  packetsFrom(owner: MediaParticipant): number {
    const ssrcs = [...this.#consumed.entries()]
      .filter(([, r]) => r.ownerId === owner.participantId)
      .map(([ssrc]) => ssrc);
    return (this.#sink?.received ?? []).filter((p) => ssrcs.includes(p.ssrc)).length;
  }

  /**
   * Decrypts what arrived from `owner` with the owner's key: the count of frames that
   * authenticated, and of those that did not (what a server altering media would cause).
   */
  async decryptFrom(owner: MediaParticipant): Promise<{ ok: number; failed: number }> {
    const receiver = new SFrameReceiver(4, { replayWindow: 1 << 16 });
    await receiver.addKey(BigInt(owner.kid), owner.baseKey);
    const ssrcs = [...this.#consumed.entries()]
      .filter(([, r]) => r.ownerId === owner.participantId)
      .map(([ssrc]) => ssrc);
    let ok = 0;
    let failed = 0;
    for (const packet of this.#sink?.received ?? []) {
      if (!ssrcs.includes(packet.ssrc)) continue;
      try {
        await unprotectFrame(receiver, 'vp8', packet.payload.subarray(VP8_DESCRIPTOR_BYTES));
        ok++;
      } catch {
        failed++;
      }
    }
    return { ok, failed };
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#source?.close();
    this.#sink?.close();
  }

  async #startMedia(producerIds: string[]): Promise<void> {
    const generation = ++this.#generation;
    this.#source?.close();
    this.#sink?.close();
    this.#consumed = new Map();
    this.#sink = await PlainRtpPeer.open();
    this.#recvTransportId = await this.#sink.receiveTransport(this.client);
    const { port, ssrc } = await PlainRtpPeer.produce(this.client, 'video', [this.kid]);
    const source = await PlainRtpPeer.open();
    this.#source = source;
    void source
      .send(port, ssrc, {
        kind: 'video',
        sframe: this.#sender,
        frames: 1_000_000,
        intervalMs: 20,
        stopped: () => this.#stopped || this.#generation !== generation,
      })
      .catch(() => undefined);
    for (const producerId of producerIds) await this.#consume(producerId);
  }

  async #consume(producerId: string): Promise<void> {
    const transportId = this.#recvTransportId;
    if (!transportId) return;
    const consumer = await this.client.request('consume', { transportId, producerId });
    await this.client.request('resumeConsumer', { consumerId: consumer.consumerId });
    const ssrc = (consumer.rtpParameters as { encodings: { ssrc: number }[] }).encodings[0]?.ssrc;
    if (ssrc !== undefined) {
      this.#consumed.set(ssrc, { ownerId: consumer.participantId, producerId, ssrc });
    }
  }

  /** Consumes new producers and starts over on mediaReset, until stopped. */
  async #follow(): Promise<void> {
    while (!this.#stopped) {
      const next = this.client.notifications.findIndex(
        (n) => n.notification === 'newProducer' || n.notification === 'mediaReset',
      );
      if (next < 0) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      const [notification] = this.client.notifications.splice(next, 1);
      try {
        await this.#starting;
        if (notification?.notification === 'mediaReset') {
          const { reason } = notification.data as { reason: string };
          this.resets.push({ at: Date.now(), reason });
          this.#starting = this.#startMedia([]);
        } else if (notification?.notification === 'newProducer') {
          await this.#consume((notification.data as { producerId: string }).producerId);
        }
      } catch {
        // A request refused mid-reset; the reset that follows starts everything over.
      }
    }
  }
}
