import { E2eeError, type E2eeErrorCode } from './errors.ts';

/**
 * Base64url without padding (RFC 4648 §5), in plain JS so wire values can be parsed before
 * libsodium has loaded. Decoding is strict: only the url-safe alphabet, no padding, and unused
 * trailing bits must be zero, so every byte string has exactly one accepted encoding and a
 * relay cannot make two different-looking copies of one signed value.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Map<string, number>([...ALPHABET].map((char, index) => [char, index]));

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET[n >> 18] +
      (ALPHABET[(n >> 12) & 63] as string) +
      ALPHABET[(n >> 6) & 63] +
      ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += (ALPHABET[n >> 18] as string) + ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += (ALPHABET[n >> 18] as string) + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63];
  }
  return out;
}

/** Decodes `text`, which must encode exactly `length` bytes; otherwise throws E2eeError(code). */
export function fromBase64Url(
  text: unknown,
  length: number,
  code: E2eeErrorCode,
  field: string,
): Uint8Array<ArrayBuffer> {
  const bad = (why: string) => new E2eeError(code, `${field} ${why}`);
  if (typeof text !== 'string') throw bad('must be a base64url string');
  if (text.length !== Math.ceil((length * 4) / 3)) {
    throw bad(`must encode ${length} bytes in base64url without padding`);
  }
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const char of text) {
    const value = VALUES.get(char);
    if (value === undefined) throw bad('contains a character outside base64url');
    acc = (acc << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) throw bad('is not canonical base64url (non-zero trailing bits)');
  return out;
}
