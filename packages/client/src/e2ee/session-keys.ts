import {
  type E2eeStats,
  E2eeWorkerClient,
  type KeyEnvelope,
  type KeyManager,
  type KeyUpdate,
  parseKid,
  SerialQueue,
  type WorkerPort,
} from '@skjerm/e2ee';
import type { RosterMember } from '@skjerm/protocol';
import { SkjermClientError, toClientError } from '../errors.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { kidsToAnnounce } from './kid-announcement.ts';
import type { PendingIdentity } from './pending-identity.ts';

/** Why the local sender key changed (see @skjerm/e2ee key-manager.ts for the rules). */
export type SenderKeyReason = 'initial' | 'rotated' | 'ratcheted';

export interface SenderKeyChange {
  readonly kid: bigint;
  readonly epoch: number;
  readonly reason: SenderKeyReason;
}

export interface SessionKeysOptions {
  /** The transform worker (a Worker, or a fake in tests). */
  readonly worker: WorkerPort;
  /** Hands sealed envelopes to the server for relaying (relayKeys). */
  readonly relay: (envelopes: readonly KeyEnvelope[]) => Promise<void>;
  /** Tells the server every producer's new KIDs (announceKids); runs before the worker switches. */
  readonly announce: (kids: readonly number[]) => Promise<void>;
}

export type SessionKeysEvents = {
  safetycode: [code: string];
  senderkey: [change: SenderKeyChange];
  /** A roster or envelope could not be used, or the worker reported an error. */
  keyerror: [error: SkjermClientError];
  listenererror: [event: string, error: unknown];
};

/** How long a sender waits between handing out a new key and encrypting with it. */
export const KEY_SETTLE_MS = 150;

/**
 * One join's end-to-end keys on the main thread: the KeyManager (bound once the server names
 * the participant), the worker client, and the order in which a membership change takes effect:
 *
 *   1. KeyManager applies the roster (rotate on leave, ratchet on join);
 *   2. the envelopes go to the server, so receivers hold the key before frames use it;
 *   3. the new KIDs are announced for every producer, so the server expects them;
 *   4. only then does the worker switch its sender key.
 *
 * KeyManager calls (rosters, envelopes) run in one queue, so a roster and the envelopes after
 * it apply in order; steps 2-4 run in a second one, so waiting for the server there never
 * delays opening the envelopes others send at the same moment.
 */
export class SessionKeys extends TypedEmitter<SessionKeysEvents> {
  readonly #pending: PendingIdentity;
  readonly #options: SessionKeysOptions;
  readonly #worker: E2eeWorkerClient;
  /** KeyManager calls, rosters and envelopes alike, in arrival order. */
  readonly #queue = new SerialQueue();
  /** Our own key switches (relay, announce, install), in order, off the queue above. */
  readonly #switches = new SerialQueue();
  #manager: KeyManager | undefined;
  /** The KID the worker encrypts under, and the one before it (frames may be in flight). */
  #installedKid: bigint | undefined;
  #previousKid: bigint | undefined;
  #safetyCode: string | undefined;
  #ready: Promise<void>;
  #resolveReady: () => void = () => undefined;
  #disposed = false;

  /** `pending` is this join's fresh identity (PendingIdentity.generate()). */
  constructor(pending: PendingIdentity, options: SessionKeysOptions) {
    super();
    this.#pending = pending;
    this.#options = options;
    this.#worker = new E2eeWorkerClient(options.worker);
    this.#worker.onError = (message) =>
      this.safeEmit('keyerror', new SkjermClientError('e2ee-failed', `E2EE worker: ${message}`));
    this.#ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
  }

  /** What `join` sends as `e2ee`. */
  get publicKeys(): { boxPublicKey: string; signPublicKey: string } {
    return {
      boxPublicKey: this.#pending.boxPublicKey,
      signPublicKey: this.#pending.signPublicKey,
    };
  }

  get participantId(): string | undefined {
    return this.#manager?.participantId;
  }

  /** The KID our frames are encrypted under now. */
  get senderKid(): bigint | undefined {
    return this.#installedKid;
  }

  get safetyCode(): string | undefined {
    return this.#safetyCode;
  }

  /** Settles once the first roster is applied and its sender key installed in the worker. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * The KIDs a new producer declares in `produce`: the key being switched to (if a switch is
   * under way), the installed one, and the one before it.
   */
  announcedKids(): number[] {
    if (this.#installedKid === undefined) {
      throw new SkjermClientError('invalid-state', 'no sender key yet');
    }
    return kidsToAnnounce([this.#manager?.senderKid, this.#installedKid, this.#previousKid]);
  }

  /** The server named us: from now on rosters and envelopes can be handled. */
  bind(participantId: string): void {
    if (this.#manager !== undefined) throw new SkjermClientError('invalid-state', 'already bound');
    this.#manager = this.#pending.bind(participantId);
  }

  /**
   * Applies the server's roster. Forgetting leavers' keys takes effect at once; our own new key
   * goes through relay → announce → install in the background (#switches), so envelopes from
   * others are opened meanwhile: they are about to send under their new keys too, and a frame
   * that arrives before its key is a frame lost. Resolves when our new key is installed.
   */
  async applyRoster(roster: readonly RosterMember[]): Promise<void> {
    try {
      const switched = await this.#run('roster', async (manager) => {
        const before = manager.senderKid;
        const change = await manager.handleMembershipChange(roster);
        const after = manager.senderKid;
        const isSenderKey = (update: KeyUpdate) => update.type === 'setSenderKey';
        this.#worker.apply(change.updates.filter((update) => !isSenderKey(update)));
        if (change.safetyCode !== this.#safetyCode) {
          this.#safetyCode = change.safetyCode;
          this.safeEmit('safetycode', change.safetyCode);
        }
        const reason: SenderKeyReason =
          before === undefined ? 'initial' : change.left.length > 0 ? 'rotated' : 'ratcheted';
        // Wrapped, so the queue does not wait for the switch.
        return {
          done: this.#switches.run(() =>
            this.#switchSenderKey(
              change.envelopes,
              change.updates.filter(isSenderKey),
              after,
              reason,
            ),
          ),
        };
      });
      await switched?.done;
    } finally {
      // Settles `ready` even for a roster that failed: publish then finds no key and says so.
      this.#resolveReady();
    }
  }

  async #switchSenderKey(
    envelopes: readonly KeyEnvelope[],
    updates: readonly KeyUpdate[],
    kid: bigint | undefined,
    reason: SenderKeyReason,
  ): Promise<void> {
    if (this.#disposed) return;
    if (envelopes.length > 0) {
      await this.#bestEffort('relaying key envelopes', this.#options.relay(envelopes));
    }
    if (kid === undefined || kid === this.#installedKid) return;
    if (this.#installedKid !== undefined) {
      await this.#bestEffort('announcing KIDs', this.#options.announce(this.announcedKids()));
      // The server has handed the envelopes on, but each receiver still has to open its own
      // and give the key to its worker; frames under the new key arriving before that are
      // lost, and a lost video frame stalls the picture until the next key frame. A moment's
      // wait lets the keys land first. (A leaver gets no media from the server meanwhile.)
      if (envelopes.length > 0) await new Promise((resolve) => setTimeout(resolve, KEY_SETTLE_MS));
    }
    // Installed even when relaying or announcing failed: a leaver must not keep a key we use.
    this.#worker.apply(updates);
    this.#previousKid = this.#installedKid;
    this.#installedKid = kid;
    this.safeEmit('senderkey', { kid, epoch: parseKid(kid).epoch, reason });
  }

  /** An envelope relayed by the server; `from` is the server's word for who sent it. */
  async receiveEnvelope(from: string, envelope: unknown): Promise<void> {
    await this.#run('key envelope', async (manager) => {
      const claimed = (envelope as { from?: unknown } | null)?.from;
      if (claimed !== from) {
        throw new SkjermClientError(
          'e2ee-failed',
          `an envelope relayed from ${from} says it is from someone else`,
        );
      }
      this.#worker.apply(await manager.receiveEnvelope(envelope));
    });
  }

  /** Frame counters and current KIDs from the transform worker. */
  getStats(): Promise<E2eeStats> {
    return this.#worker.getStats();
  }

  /** TEST ONLY: plaintext frames before encryption (see SkjermClient.samplePlaintextFrames). */
  async samplePlaintextFrames(count: number): Promise<Uint8Array[]> {
    try {
      return await this.#worker.samplePlaintext(count);
    } catch (error) {
      throw toClientError(error, 'e2ee-failed', 'sampling plaintext frames');
    }
  }

  /** Wipes keys; the worker itself belongs to the caller. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#pending.dispose();
    this.#manager?.dispose();
    this.#worker.dispose();
  }

  #run<T>(what: string, task: (manager: KeyManager) => Promise<T>): Promise<T | undefined> {
    return this.#queue
      .run(async () => {
        const manager = this.#manager;
        if (this.#disposed || manager === undefined) return undefined;
        return await task(manager);
      })
      .catch((error: unknown) => {
        this.safeEmit('keyerror', toClientError(error, 'e2ee-failed', what));
        return undefined;
      });
  }

  async #bestEffort(what: string, work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.safeEmit(
        'keyerror',
        new SkjermClientError('e2ee-failed', `${what}: ${message}`, { cause: error }),
      );
    }
  }
}
