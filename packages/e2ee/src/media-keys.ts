import { CipherSuite, protectFrame, SFrameSender, type UnprotectedFrame } from '@skjerm/sframe';
import { E2eeError } from './errors.ts';
import type { KeyUpdate } from './messages.ts';
import { ReceiveKeyring, type ReceiveKeyringOptions } from './receive-keyring.ts';
import { SerialQueue } from './serial-queue.ts';

/** Skjerm's SFrame suite: AES-GCM is hardware-accelerated in every browser's Web Crypto. */
export const DEFAULT_CIPHER_SUITE: number = CipherSuite.AES_128_GCM_SHA256_128;

export interface MediaKeysOptions {
  readonly cipherSuite?: number | undefined;
  readonly receive?: ReceiveKeyringOptions | undefined;
}

/**
 * Every SFrame key one transform worker holds: the local sender key, shared by all send
 * transforms, and the remote senders' keys, shared by all receive transforms.
 *
 * One SFrameSender per key, shared by audio and video: SFrame nonces are (key, CTR), so two
 * tracks with their own counter under one key would reuse nonces, which breaks AES-GCM.
 */
export class MediaKeys {
  readonly cipherSuite: number;
  readonly receive: ReceiveKeyring;
  readonly #queue = new SerialQueue();
  #sender: SFrameSender | undefined;

  constructor(options: MediaKeysOptions = {}) {
    this.cipherSuite = options.cipherSuite ?? DEFAULT_CIPHER_SUITE;
    this.receive = new ReceiveKeyring(this.cipherSuite, options.receive);
  }

  get sendKid(): bigint | undefined {
    return this.#sender?.kid;
  }

  /** Applies one KeyManager update; updates take effect in the order applied. */
  apply(update: KeyUpdate): Promise<void> {
    switch (update.type) {
      case 'setSenderKey':
        return this.setSenderKey(update.kid, update.key);
      case 'setReceiverKey':
        return this.receive.setKey(update.participantId, update.kid, update.key);
      case 'removeKey':
        return Promise.all([
          this.#queue.run(() => {
            if (this.#sender?.kid === update.kid) this.#sender = undefined;
          }),
          this.receive.removeKey(update.kid),
        ]).then(() => undefined);
      case 'removeSender':
        return this.receive.removeSender(update.participantId, update.senderSlot);
    }
  }

  /**
   * Switches outgoing frames to a new key. Frames keep going out under the old key until the
   * new one is imported (a few milliseconds), rather than being dropped.
   */
  setSenderKey(kid: bigint, key: Uint8Array): Promise<void> {
    const copy = new Uint8Array(key);
    return this.#queue.run(async () => {
      try {
        this.#sender = await SFrameSender.create(this.cipherSuite, kid, copy);
      } finally {
        copy.fill(0);
      }
    });
  }

  /** Protects one encoded frame; E2eeError('invalid-argument') with no sender key. */
  encrypt(codec: string, frame: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const sender = this.#sender;
    if (sender === undefined) {
      return Promise.reject(new E2eeError('invalid-argument', 'no sender key yet'));
    }
    return protectFrame(sender, codec, frame);
  }

  decrypt(
    codec: string,
    data: Uint8Array,
    expectedParticipantId?: string,
  ): Promise<UnprotectedFrame> {
    return this.receive.decrypt(codec, data, expectedParticipantId);
  }
}
