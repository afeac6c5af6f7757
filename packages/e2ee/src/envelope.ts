import { fromBase64Url, toBase64Url } from './base64url.ts';
import { CanonicalWriter } from './canonical.ts';
import { E2eeError } from './errors.ts';
import {
  boxPublicKeyBytes,
  type LocalIdentity,
  MAX_PARTICIPANT_ID_LENGTH,
  type PublicIdentity,
} from './identity.ts';
import { parseKid } from './kid.ts';
import { BASE_KEY_BYTES } from './ratchet.ts';

/** crypto_box: 24-byte nonce, 16-byte Poly1305 tag; Ed25519 signatures are 64 bytes. */
const NONCE_BYTES = 24;
const BOX_TAG_BYTES = 16;
const SIGNATURE_BYTES = 64;
const SEALED_KEY_BYTES = BASE_KEY_BYTES + BOX_TAG_BYTES;

export const KEY_ENVELOPE_VERSION = 1;

/**
 * One sender's SFrame base key for one recipient, as relayed by the server. The server sees
 * who sends a key to whom and for which KID, but not the key: it is boxed to the recipient.
 *
 * `signature` is the sender's Ed25519 signature over everything that identifies the envelope
 * (see signedTranscript). crypto_box alone authenticates only "one of the two box key
 * holders", not who is named in from/to; the signature binds the named sender and recipient
 * (and their box keys) to this KID and ciphertext, so a relay can neither redirect an envelope
 * to someone else nor pass it off as another participant's key.
 */
export interface KeyEnvelope {
  readonly v: typeof KEY_ENVELOPE_VERSION;
  readonly from: string;
  readonly to: string;
  /** The SFrame KID the key is for (kid.ts); < 2^32, so a plain JSON number. */
  readonly kid: number;
  readonly nonce: string;
  readonly ciphertext: string;
  readonly signature: string;
}

function signedTranscript(
  sender: PublicIdentity,
  recipient: PublicIdentity,
  kid: number,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  return new CanonicalWriter('skjerm/e2ee key-envelope v1')
    .string(sender.participantId)
    .bytes(boxPublicKeyBytes(sender))
    .string(recipient.participantId)
    .bytes(boxPublicKeyBytes(recipient))
    .u32(kid)
    .bytes(nonce)
    .bytes(ciphertext)
    .finish();
}

/** Boxes `baseKey` for `recipient` and signs the result. */
export function sealKeyEnvelope(
  sender: LocalIdentity,
  recipient: PublicIdentity,
  kid: bigint,
  baseKey: Uint8Array,
): KeyEnvelope {
  parseKid(kid);
  if (baseKey.length !== BASE_KEY_BYTES) {
    throw new E2eeError('invalid-argument', `a base key must be ${BASE_KEY_BYTES} bytes`);
  }
  const wireKid = Number(kid);
  const { nonce, ciphertext } = sender.seal(baseKey, recipient);
  const signature = sender.sign(
    signedTranscript(sender.publicIdentity, recipient, wireKid, nonce, ciphertext),
  );
  return {
    v: KEY_ENVELOPE_VERSION,
    from: sender.participantId,
    to: recipient.participantId,
    kid: wireKid,
    nonce: toBase64Url(nonce),
    ciphertext: toBase64Url(ciphertext),
    signature: toBase64Url(signature),
  };
}

function participantId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PARTICIPANT_ID_LENGTH) {
    throw new E2eeError('malformed-envelope', `envelope ${name} must be a participant id`);
  }
  return value;
}

/** Checks the wire shape and returns a plain copy with only the known fields. */
export function parseKeyEnvelope(value: unknown): KeyEnvelope {
  if (typeof value !== 'object' || value === null) {
    throw new E2eeError('malformed-envelope', 'a key envelope must be an object');
  }
  const raw = value as Record<string, unknown>;
  if (raw.v !== KEY_ENVELOPE_VERSION) {
    throw new E2eeError('malformed-envelope', `unsupported key envelope version ${String(raw.v)}`);
  }
  const kid = raw.kid;
  if (typeof kid !== 'number' || !Number.isInteger(kid) || kid < 0 || kid > 0xffff_ffff) {
    throw new E2eeError('malformed-envelope', 'envelope kid must be an integer in 0 .. 2^32-1');
  }
  fromBase64Url(raw.nonce, NONCE_BYTES, 'malformed-envelope', 'envelope nonce');
  fromBase64Url(raw.ciphertext, SEALED_KEY_BYTES, 'malformed-envelope', 'envelope ciphertext');
  fromBase64Url(raw.signature, SIGNATURE_BYTES, 'malformed-envelope', 'envelope signature');
  return {
    v: KEY_ENVELOPE_VERSION,
    from: participantId(raw.from, 'from'),
    to: participantId(raw.to, 'to'),
    kid,
    nonce: raw.nonce as string,
    ciphertext: raw.ciphertext as string,
    signature: raw.signature as string,
  };
}

/**
 * Verifies and opens an envelope addressed to `recipient` from `sender`, whose identity must
 * come from the roster (never from the envelope). Signature first: a failure after it means a
 * genuine envelope that cannot be used, before it means a forgery. Returns the base key.
 * Epoch freshness and slot ownership are the caller's (key-manager.ts) to check.
 */
export function openKeyEnvelope(
  recipient: LocalIdentity,
  sender: PublicIdentity,
  envelope: KeyEnvelope,
): Uint8Array {
  if (envelope.to !== recipient.participantId) {
    throw new E2eeError(
      'wrong-recipient',
      `key envelope is addressed to ${envelope.to}, not to ${recipient.participantId}`,
    );
  }
  if (envelope.from !== sender.participantId) {
    throw new E2eeError('invalid-argument', 'envelope sender does not match the identity given');
  }
  const nonce = fromBase64Url(envelope.nonce, NONCE_BYTES, 'malformed-envelope', 'envelope nonce');
  const ciphertext = fromBase64Url(
    envelope.ciphertext,
    SEALED_KEY_BYTES,
    'malformed-envelope',
    'envelope ciphertext',
  );
  const signature = fromBase64Url(
    envelope.signature,
    SIGNATURE_BYTES,
    'malformed-envelope',
    'envelope signature',
  );
  const transcript = signedTranscript(
    sender,
    recipient.publicIdentity,
    envelope.kid,
    nonce,
    ciphertext,
  );
  if (!recipient.verify(signature, transcript, sender)) {
    throw new E2eeError(
      'bad-signature',
      `key envelope for KID ${envelope.kid} does not verify against ${sender.participantId}'s signing key`,
    );
  }
  const baseKey = recipient.open(ciphertext, nonce, sender);
  if (baseKey === undefined || baseKey.length !== BASE_KEY_BYTES) {
    throw new E2eeError(
      'decryption-failed',
      `key envelope from ${sender.participantId} is signed but does not open with our box key`,
    );
  }
  return baseKey;
}
