import { fromBase64Url, toBase64Url } from './base64url.ts';
import { E2eeError } from './errors.ts';
import { isSenderSlot, MAX_SENDER_SLOT } from './kid.ts';
import { loadSodium, type Sodium } from './sodium.ts';

/** crypto_box (X25519) and crypto_sign (Ed25519) public keys are both 32 bytes. */
export const BOX_PUBLIC_KEY_BYTES = 32;
export const SIGN_PUBLIC_KEY_BYTES = 32;
export const MAX_PARTICIPANT_ID_LENGTH = 256;

/**
 * A participant's public identity as it travels with the roster: keys as base64url strings
 * without padding. It is only as trustworthy as the server that relays it; the safety code
 * (safety-code.ts) is how people check that nobody swapped a key.
 */
export interface PublicIdentity {
  readonly participantId: string;
  /** X25519 key other participants seal this participant's media keys to. */
  readonly boxPublicKey: string;
  /** Ed25519 key this participant's key envelopes verify against. */
  readonly signPublicKey: string;
}

/** A roster entry: a public identity plus the sender slot the server assigned (see kid.ts). */
export interface RosterMember extends PublicIdentity {
  readonly senderSlot: number;
}

function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null) {
    throw new E2eeError('invalid-identity', 'a public identity must be an object');
  }
  return (value as Record<string, unknown>)[name];
}

/** Validates an identity from the wire and returns a plain copy with only the known fields. */
export function parsePublicIdentity(value: unknown): PublicIdentity {
  const participantId = field(value, 'participantId');
  if (
    typeof participantId !== 'string' ||
    participantId.length === 0 ||
    participantId.length > MAX_PARTICIPANT_ID_LENGTH
  ) {
    throw new E2eeError(
      'invalid-identity',
      `participantId must be a string of 1 .. ${MAX_PARTICIPANT_ID_LENGTH} characters`,
    );
  }
  const boxPublicKey = field(value, 'boxPublicKey');
  const signPublicKey = field(value, 'signPublicKey');
  fromBase64Url(boxPublicKey, BOX_PUBLIC_KEY_BYTES, 'invalid-identity', 'boxPublicKey');
  fromBase64Url(signPublicKey, SIGN_PUBLIC_KEY_BYTES, 'invalid-identity', 'signPublicKey');
  return {
    participantId,
    boxPublicKey: boxPublicKey as string,
    signPublicKey: signPublicKey as string,
  };
}

export function parseRosterMember(value: unknown): RosterMember {
  const identity = parsePublicIdentity(value);
  const senderSlot = field(value, 'senderSlot');
  if (!isSenderSlot(senderSlot)) {
    throw new E2eeError(
      'invalid-identity',
      `senderSlot of ${identity.participantId} must be an integer in 0 .. ${MAX_SENDER_SLOT}`,
    );
  }
  return { ...identity, senderSlot };
}

export function sameIdentity(a: PublicIdentity, b: PublicIdentity): boolean {
  return (
    a.participantId === b.participantId &&
    a.boxPublicKey === b.boxPublicKey &&
    a.signPublicKey === b.signPublicKey
  );
}

export function boxPublicKeyBytes(identity: PublicIdentity): Uint8Array<ArrayBuffer> {
  return fromBase64Url(
    identity.boxPublicKey,
    BOX_PUBLIC_KEY_BYTES,
    'invalid-identity',
    'boxPublicKey',
  );
}

export function signPublicKeyBytes(identity: PublicIdentity): Uint8Array<ArrayBuffer> {
  return fromBase64Url(
    identity.signPublicKey,
    SIGN_PUBLIC_KEY_BYTES,
    'invalid-identity',
    'signPublicKey',
  );
}

/**
 * The local participant's key pairs for one session. They are generated fresh per session and
 * never persisted, so a leaked key exposes at most one consultation, and the secret halves
 * never leave this object (no getter returns them).
 */
export class LocalIdentity {
  readonly publicIdentity: PublicIdentity;
  readonly #sodium: Sodium;
  readonly #boxSecretKey: Uint8Array;
  readonly #signSecretKey: Uint8Array;

  private constructor(
    participantId: string,
    lib: Sodium,
    box: { publicKey: Uint8Array; privateKey: Uint8Array },
    sign: { publicKey: Uint8Array; privateKey: Uint8Array },
  ) {
    this.#sodium = lib;
    this.#boxSecretKey = box.privateKey;
    this.#signSecretKey = sign.privateKey;
    this.publicIdentity = Object.freeze({
      participantId,
      boxPublicKey: toBase64Url(box.publicKey),
      signPublicKey: toBase64Url(sign.publicKey),
    });
  }

  static async generate(participantId: string): Promise<LocalIdentity> {
    const lib = await loadSodium();
    const box = lib.crypto_box_keypair();
    const sign = lib.crypto_sign_keypair();
    const identity = new LocalIdentity(participantId, lib, box, sign);
    parsePublicIdentity(identity.publicIdentity); // validates participantId
    return identity;
  }

  get participantId(): string {
    return this.publicIdentity.participantId;
  }

  /** Ed25519 detached signature (crypto_sign_detached). */
  sign(message: Uint8Array): Uint8Array {
    return this.#sodium.crypto_sign_detached(message, this.#signSecretKey);
  }

  /**
   * crypto_box_easy from our box secret key to `recipient`'s box public key, with a fresh
   * random 24-byte nonce: X25519 + XSalsa20-Poly1305, so only the recipient can open it and it
   * can tell the box came from the holder of our box secret key.
   */
  seal(
    plaintext: Uint8Array,
    recipient: PublicIdentity,
  ): { nonce: Uint8Array; ciphertext: Uint8Array } {
    const lib = this.#sodium;
    const nonce = lib.randombytes_buf(lib.crypto_box_NONCEBYTES);
    const ciphertext = lib.crypto_box_easy(
      plaintext,
      nonce,
      boxPublicKeyBytes(recipient),
      this.#boxSecretKey,
    );
    return { nonce, ciphertext };
  }

  /** crypto_box_open_easy; undefined when the box does not authenticate. */
  open(ciphertext: Uint8Array, nonce: Uint8Array, sender: PublicIdentity): Uint8Array | undefined {
    try {
      return this.#sodium.crypto_box_open_easy(
        ciphertext,
        nonce,
        boxPublicKeyBytes(sender),
        this.#boxSecretKey,
      );
    } catch {
      return undefined;
    }
  }

  /** Verifies a detached signature by `signer` (needs no secret; here to share the sodium handle). */
  verify(signature: Uint8Array, message: Uint8Array, signer: PublicIdentity): boolean {
    try {
      return this.#sodium.crypto_sign_verify_detached(
        signature,
        message,
        signPublicKeyBytes(signer),
      );
    } catch {
      return false;
    }
  }

  /** Wipes the secret keys; the identity cannot sign or open anything afterwards. */
  dispose(): void {
    this.#sodium.memzero(this.#boxSecretKey);
    this.#sodium.memzero(this.#signSecretKey);
  }
}
