import { SFrameError } from './errors.ts';

/** Cipher suite identifiers from the IANA "SFrame Cipher Suites" registry (RFC 9605 §8.1). */
export const CipherSuite = {
  AES_128_CTR_HMAC_SHA256_80: 0x0001,
  AES_128_CTR_HMAC_SHA256_64: 0x0002,
  AES_128_CTR_HMAC_SHA256_32: 0x0003,
  AES_128_GCM_SHA256_128: 0x0004,
  AES_256_GCM_SHA512_128: 0x0005,
} as const;

export type CipherSuiteId = (typeof CipherSuite)[keyof typeof CipherSuite];
export type CipherSuiteName = keyof typeof CipherSuite;

export const CIPHER_SUITE_IDS: readonly CipherSuiteId[] = Object.values(CipherSuite);

/**
 * The constants of RFC 9605 §4.4 / Table 1. For the CTR+HMAC suites the AEAD key (Nk bytes) is
 * an AES-128 key (Nka bytes) followed by an HMAC key of hash length (Nh bytes), §4.5.1.
 */
export interface CipherSuiteParams {
  readonly id: CipherSuiteId;
  readonly name: CipherSuiteName;
  readonly construction: 'aes-gcm' | 'aes-ctr-hmac';
  /** Hash for HKDF (and HMAC in the CTR suites), as Web Crypto names it. */
  readonly hash: 'SHA-256' | 'SHA-512';
  readonly nh: number;
  /** AES key size inside the compound CTR+HMAC key; equal to nk for GCM. */
  readonly nka: number;
  readonly nk: number;
  readonly nn: number;
  /** Tag length: the bytes an encrypted frame grows by beyond its header. */
  readonly nt: number;
}

function ctrHmac(id: CipherSuiteId, name: CipherSuiteName, nt: number): CipherSuiteParams {
  return {
    id,
    name,
    construction: 'aes-ctr-hmac',
    hash: 'SHA-256',
    nh: 32,
    nka: 16,
    nk: 48,
    nn: 12,
    nt,
  };
}

const PARAMS: ReadonlyMap<number, CipherSuiteParams> = new Map<number, CipherSuiteParams>([
  [1, ctrHmac(1, 'AES_128_CTR_HMAC_SHA256_80', 10)],
  [2, ctrHmac(2, 'AES_128_CTR_HMAC_SHA256_64', 8)],
  [3, ctrHmac(3, 'AES_128_CTR_HMAC_SHA256_32', 4)],
  [
    4,
    {
      id: 4,
      name: 'AES_128_GCM_SHA256_128',
      construction: 'aes-gcm',
      hash: 'SHA-256',
      nh: 32,
      nka: 16,
      nk: 16,
      nn: 12,
      nt: 16,
    },
  ],
  [
    5,
    {
      id: 5,
      name: 'AES_256_GCM_SHA512_128',
      construction: 'aes-gcm',
      hash: 'SHA-512',
      nh: 64,
      nka: 32,
      nk: 32,
      nn: 12,
      nt: 16,
    },
  ],
]);

export function isCipherSuiteId(value: unknown): value is CipherSuiteId {
  return typeof value === 'number' && PARAMS.has(value);
}

/** Looks up a suite's constants; any number outside the five RFC 9605 suites is refused. */
export function cipherSuiteParams(cipherSuite: number): CipherSuiteParams {
  const params = PARAMS.get(cipherSuite);
  if (params === undefined) {
    const shown = Number.isInteger(cipherSuite)
      ? `0x${cipherSuite.toString(16).padStart(4, '0')}`
      : String(cipherSuite);
    throw new SFrameError(
      'unsupported-cipher-suite',
      `SFrame cipher suite ${shown} is not supported; supported suites are 0x0001-0x0005 (RFC 9605)`,
    );
  }
  return params;
}
