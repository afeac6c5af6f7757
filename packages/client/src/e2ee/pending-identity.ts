import { KeyManager, LocalIdentity, parsePublicIdentity } from '@skjerm/e2ee';
import sodium from 'libsodium-wrappers';

type Sodium = typeof sodium;
type KeyPair = { publicKey: Uint8Array; privateKey: Uint8Array };

/*
 * Why this file reaches past @skjerm/e2ee's public API:
 *
 * `join` must carry the session's public keys, but the server assigns the participant id only
 * in join's answer, while @skjerm/e2ee binds an identity to its participant id when it
 * generates the keys (LocalIdentity.generate(participantId), KeyManager.create(participantId)).
 * The id is part of every signed envelope transcript and of the safety code, so it must be the
 * server's. Until @skjerm/e2ee can generate keys first and bind the id afterwards, the key pairs
 * are generated here and handed to LocalIdentity's and KeyManager's constructors, which are
 * private only to TypeScript. The unit test next to this file checks that a bound KeyManager
 * interoperates with one made by KeyManager.create, so a change inside @skjerm/e2ee that breaks
 * this shows up there, not in a call.
 */
type LocalIdentityConstructor = new (
  participantId: string,
  lib: Sodium,
  box: KeyPair,
  sign: KeyPair,
) => LocalIdentity;
type KeyManagerConstructor = new (identity: LocalIdentity, lib: Sodium) => KeyManager;

function base64Url(bytes: Uint8Array): string {
  return sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
}

/**
 * This session's E2EE key pairs before the server has named the participant: the public halves
 * go into `join`; `bind` turns them into the KeyManager once the participant id is known. Fresh
 * per join and never persisted (see @skjerm/e2ee identity.ts).
 */
export class PendingIdentity {
  readonly boxPublicKey: string;
  readonly signPublicKey: string;
  #keys: { box: KeyPair; sign: KeyPair } | undefined;

  private constructor(box: KeyPair, sign: KeyPair) {
    this.#keys = { box, sign };
    this.boxPublicKey = base64Url(box.publicKey);
    this.signPublicKey = base64Url(sign.publicKey);
  }

  static async generate(): Promise<PendingIdentity> {
    await sodium.ready;
    return new PendingIdentity(sodium.crypto_box_keypair(), sodium.crypto_sign_keypair());
  }

  /** Hands the key pairs to a KeyManager for `participantId`; only once. */
  bind(participantId: string): KeyManager {
    const keys = this.#keys;
    if (keys === undefined) throw new Error('this identity was already bound or disposed');
    this.#keys = undefined;
    const identity = new (LocalIdentity as unknown as LocalIdentityConstructor)(
      participantId,
      sodium,
      keys.box,
      keys.sign,
    );
    const published = parsePublicIdentity(identity.publicIdentity);
    if (
      published.boxPublicKey !== this.boxPublicKey ||
      published.signPublicKey !== this.signPublicKey
    ) {
      identity.dispose();
      throw new Error('the bound identity does not carry the keys sent in join');
    }
    return new (KeyManager as unknown as KeyManagerConstructor)(identity, sodium);
  }

  /** Wipes the secret keys if they were never bound. */
  dispose(): void {
    if (this.#keys === undefined) return;
    sodium.memzero(this.#keys.box.privateKey);
    sodium.memzero(this.#keys.sign.privateKey);
    this.#keys = undefined;
  }
}
