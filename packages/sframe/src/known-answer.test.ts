import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { aeadOpen, aeadSeal, importAeadKey } from './aead.ts';
import { cipherSuiteParams } from './cipher-suites.ts';
import { splitCtrHmacKey } from './ctr-hmac.ts';
import { encodeHeader } from './header.ts';
import { deriveKeyMaterial, formNonce, sframeKeyLabel, sframeSaltLabel } from './key-derivation.ts';
import { sframeDecrypt, sframeEncrypt } from './known-answer.ts';
import { SFrameReceiver } from './receiver.ts';
import { hex, loadRfc9605Vectors, type Rfc9605Vectors, toHex } from './rfc9605-vectors.fixture.ts';

let vectors: Rfc9605Vectors;
beforeAll(async () => {
  vectors = await loadRfc9605Vectors();
});

describe('AES-CTR + HMAC AEAD (RFC 9605 §4.5.1, Appendix C.2)', () => {
  it('has the 3 AEAD vectors, one per CTR+HMAC suite', () => {
    expect(vectors.aead.map((v) => v.cipher_suite)).toEqual([1, 2, 3]);
  });

  it('splits the 48-byte key into enc_key and auth_key as the vectors do', () => {
    for (const v of vectors.aead) {
      const { encKey, authKey } = splitCtrHmacKey(cipherSuiteParams(v.cipher_suite), hex(v.key));
      expect(toHex(encKey)).toBe(v.enc_key);
      expect(toHex(authKey)).toBe(v.auth_key);
    }
  });

  it('seals each vector to exactly the expected ciphertext and tag', async () => {
    for (const v of vectors.aead) {
      const key = await importAeadKey(v.cipher_suite, hex(v.key));
      const ct = await aeadSeal(key, hex(v.nonce), hex(v.aad), hex(v.pt));
      expect(toHex(ct), `suite ${v.cipher_suite}`).toBe(v.ct);
    }
  });

  it('opens each vector back to its plaintext', async () => {
    for (const v of vectors.aead) {
      const key = await importAeadKey(v.cipher_suite, hex(v.key));
      expect(toHex(await aeadOpen(key, hex(v.nonce), hex(v.aad), hex(v.ct)))).toBe(v.pt);
    }
  });
});

describe('SFrame encryption (RFC 9605 §4.4, Appendix C.3)', () => {
  it('has the 5 SFrame vectors, one per cipher suite', () => {
    expect(vectors.sframe.map((v) => v.cipher_suite)).toEqual([1, 2, 3, 4, 5]);
  });

  it('builds the key and salt labels byte for byte', () => {
    for (const v of vectors.sframe) {
      expect(toHex(sframeKeyLabel(BigInt(v.kid), v.cipher_suite))).toBe(v.sframe_key_label);
      expect(toHex(sframeSaltLabel(BigInt(v.kid), v.cipher_suite))).toBe(v.sframe_salt_label);
    }
  });

  it('matches sframe_secret as HKDF-Extract with an empty salt', () => {
    for (const v of vectors.sframe) {
      const hash = cipherSuiteParams(v.cipher_suite).hash === 'SHA-256' ? 'sha256' : 'sha512';
      const secret = createHmac(hash, Buffer.alloc(0)).update(hex(v.base_key)).digest('hex');
      expect(secret).toBe(v.sframe_secret);
    }
  });

  it('derives sframe_key and sframe_salt from the base key', async () => {
    for (const v of vectors.sframe) {
      const { key, salt } = await deriveKeyMaterial(v.cipher_suite, BigInt(v.kid), hex(v.base_key));
      expect(toHex(key), `suite ${v.cipher_suite}`).toBe(v.sframe_key);
      expect(toHex(salt)).toBe(v.sframe_salt);
    }
  });

  it('forms the nonce as salt XOR CTR and the AAD as header || metadata', () => {
    for (const v of vectors.sframe) {
      expect(toHex(formNonce(hex(v.sframe_salt), BigInt(v.ctr)))).toBe(v.nonce);
      expect(toHex(encodeHeader(BigInt(v.kid), BigInt(v.ctr))) + v.metadata).toBe(v.aad);
    }
  });

  it('encrypts each vector to exactly the expected SFrame ciphertext', async () => {
    for (const v of vectors.sframe) {
      const ct = await sframeEncrypt({
        cipherSuite: v.cipher_suite,
        baseKey: hex(v.base_key),
        kid: BigInt(v.kid),
        ctr: BigInt(v.ctr),
        metadata: hex(v.metadata),
        plaintext: hex(v.pt),
      });
      expect(toHex(ct), `suite ${v.cipher_suite}`).toBe(v.ct);
    }
  });

  it('decrypts each vector back to its plaintext, KID and CTR', async () => {
    for (const v of vectors.sframe) {
      const result = await sframeDecrypt({
        cipherSuite: v.cipher_suite,
        baseKey: hex(v.base_key),
        ciphertext: hex(v.ct),
        metadata: hex(v.metadata),
      });
      expect(result.kid).toBe(BigInt(v.kid));
      expect(result.ctr).toBe(BigInt(v.ctr));
      expect(toHex(result.plaintext)).toBe(v.pt);
    }
  });

  it('decrypts each vector through a receiver keyring too', async () => {
    for (const v of vectors.sframe) {
      const receiver = new SFrameReceiver(v.cipher_suite);
      await receiver.addKey(BigInt(v.kid), hex(v.base_key));
      const result = await receiver.decrypt(hex(v.ct), hex(v.metadata));
      expect(toHex(result.plaintext)).toBe(v.pt);
    }
  });

  it('round-trips without metadata when metadata is omitted', async () => {
    const baseKey = hex('000102030405060708090a0b0c0d0e0f');
    for (const cipherSuite of [1, 2, 3, 4, 5]) {
      const plaintext = hex('0102030405');
      const ciphertext = await sframeEncrypt({ cipherSuite, baseKey, kid: 9n, ctr: 3n, plaintext });
      const result = await sframeDecrypt({ cipherSuite, baseKey, ciphertext });
      expect(result).toEqual({ kid: 9n, ctr: 3n, plaintext });
    }
  });
});
