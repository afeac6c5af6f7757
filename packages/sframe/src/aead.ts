import { bufferSource, prependRoom } from './bytes.ts';
import { type CipherSuiteParams, cipherSuiteParams } from './cipher-suites.ts';
import { type CtrHmacKey, importCtrHmacKey, openCtrHmac, sealCtrHmac } from './ctr-hmac.ts';
import { SFrameError } from './errors.ts';

/**
 * AEAD.Encrypt / AEAD.Decrypt of RFC 9605 §4.4 over Web Crypto, with the sframe_key imported
 * once as non-extractable CryptoKey(s) so per-frame work is only the cipher itself.
 */
export type AeadKey =
  | { readonly construction: 'aes-gcm'; readonly suite: CipherSuiteParams; readonly key: CryptoKey }
  | ({ readonly construction: 'aes-ctr-hmac' } & CtrHmacKey);

export async function importAeadKey(cipherSuite: number, sframeKey: Uint8Array): Promise<AeadKey> {
  const suite = cipherSuiteParams(cipherSuite);
  if (sframeKey.length !== suite.nk) {
    throw new SFrameError(
      'invalid-argument',
      `${suite.name} needs a ${suite.nk}-byte key, got ${sframeKey.length} bytes`,
    );
  }
  if (suite.construction === 'aes-ctr-hmac') {
    return { construction: 'aes-ctr-hmac', ...(await importCtrHmacKey(suite, sframeKey)) };
  }
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    bufferSource(sframeKey),
    'AES-GCM',
    false,
    ['encrypt', 'decrypt'],
  );
  return { construction: 'aes-gcm', suite, key };
}

/** AES-GCM parameters for one frame: its own nonce, the AAD and the 16-byte tag of both suites. */
export function gcmParams(nonce: Uint8Array<ArrayBuffer>, aad: Uint8Array): AesGcmParams {
  return { name: 'AES-GCM', iv: nonce, additionalData: bufferSource(aad), tagLength: 128 };
}

/**
 * Web Crypto reports a bad GCM tag as an OperationError and nothing else can fail there with a
 * valid key and 12-byte nonce, so any failure of AES-GCM decryption is an authentication failure.
 */
export function gcmAuthenticationFailed(cause: unknown): SFrameError {
  return new SFrameError('authentication-failed', 'SFrame authentication tag does not match', {
    cause,
  });
}

/**
 * Encrypts `plaintext` and returns `reserve` leading bytes (left for the caller to fill with
 * the SFrame header and any clear prefix, saving a copy of the frame) followed by ct || tag.
 */
export async function aeadSeal(
  key: AeadKey,
  nonce: Uint8Array<ArrayBuffer>,
  aad: Uint8Array,
  plaintext: Uint8Array,
  reserve = 0,
): Promise<Uint8Array<ArrayBuffer>> {
  if (key.construction === 'aes-ctr-hmac') return sealCtrHmac(key, nonce, aad, plaintext, reserve);
  const sealed = await globalThis.crypto.subtle.encrypt(
    gcmParams(nonce, aad),
    key.key,
    bufferSource(plaintext),
  );
  return prependRoom(sealed, reserve);
}

/** Verifies and decrypts ct || tag; throws `authentication-failed` or `truncated`. */
export async function aeadOpen(
  key: AeadKey,
  nonce: Uint8Array<ArrayBuffer>,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  if (key.construction === 'aes-ctr-hmac') return openCtrHmac(key, nonce, aad, ciphertext);
  if (ciphertext.length < key.suite.nt) {
    throw new SFrameError('truncated', 'SFrame ciphertext is shorter than its authentication tag');
  }
  try {
    return new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        gcmParams(nonce, aad),
        key.key,
        bufferSource(ciphertext),
      ),
    );
  } catch (cause) {
    throw gcmAuthenticationFailed(cause);
  }
}
