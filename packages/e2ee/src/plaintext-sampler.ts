import type { PlaintextSampleReply, SamplePlaintextMessage } from './messages.ts';

/** Frames per sender one sample may ask for: enough for any test, bounded for the worker. */
export const MAX_PLAINTEXT_SAMPLE = 1000;

export function isSamplePlaintextMessage(value: unknown): value is SamplePlaintextMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, requestId, count } = value as Record<string, unknown>;
  return (
    type === 'sample-plaintext' &&
    Number.isSafeInteger(requestId) &&
    Number.isInteger(count) &&
    (count as number) >= 1 &&
    (count as number) <= MAX_PLAINTEXT_SAMPLE
  );
}

/** What one send transform reports to the sampler. */
export interface SenderTap {
  /** A frame about to be encrypted; copied synchronously (the cryptor reuses its buffer). */
  readonly observe: (plaintext: Uint8Array) => void;
  /** The transform ended: a pending sample stops waiting for it. */
  readonly detach: () => void;
}

interface PendingSample {
  /** Frames still wanted, per sender attached when the sample was asked for. */
  readonly remaining: Map<object, number>;
  readonly frames: Uint8Array[];
  readonly done: (frames: Uint8Array[]) => void;
}

/**
 * TEST ONLY. Copies of the next frames each sender encrypts, before encryption, so that a
 * browser test can check that no run of their bytes reaches the server (the server's frame
 * tap shows what it forwarded). The E2eeWorker creates one only behind SKJERM_TEST_HOOKS
 * (test-hooks.d.ts): production bundles contain none of this, so no page can ask a
 * production worker for plaintext.
 */
export class PlaintextSampler {
  readonly #senders = new Set<object>();
  #pending: PendingSample[] = [];

  /** A send transform started. */
  attach(): SenderTap {
    const sender = {};
    this.#senders.add(sender);
    return {
      observe: (plaintext) => this.#observe(sender, plaintext),
      detach: () => {
        this.#senders.delete(sender);
        for (const sample of this.#pending) sample.remaining.delete(sender);
        this.#settle();
      },
    };
  }

  /**
   * Resolves with copies of the next `count` frames of every sender attached now, in the order
   * they were encrypted (senders interleaved); at once, empty, when nothing is being sent.
   */
  sample(count: number): Promise<Uint8Array[]> {
    return new Promise((done) => {
      const remaining = new Map([...this.#senders].map((sender) => [sender, count]));
      this.#pending.push({ remaining, frames: [], done });
      this.#settle();
    });
  }

  /** Answers the worker message with the sample. */
  async answer(
    message: SamplePlaintextMessage,
    post: (reply: PlaintextSampleReply) => void,
  ): Promise<void> {
    const frames = await this.sample(message.count);
    post({ type: 'plaintext-sample', requestId: message.requestId, frames });
  }

  #observe(sender: object, plaintext: Uint8Array): void {
    if (this.#pending.length === 0) return;
    for (const sample of this.#pending) {
      const left = sample.remaining.get(sender);
      if (left === undefined) continue;
      sample.frames.push(plaintext.slice());
      if (left > 1) sample.remaining.set(sender, left - 1);
      else sample.remaining.delete(sender);
    }
    this.#settle();
  }

  #settle(): void {
    const complete = this.#pending.filter((sample) => sample.remaining.size === 0);
    if (complete.length === 0) return;
    this.#pending = this.#pending.filter((sample) => sample.remaining.size > 0);
    for (const sample of complete) sample.done(sample.frames);
  }
}
