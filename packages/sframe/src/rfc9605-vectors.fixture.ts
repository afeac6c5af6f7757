// Test-only: loads the RFC 9605 Appendix C vectors from the shared conformance directory.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// RFC 9605 Appendix C's vectors as published conformance data, kept in the repository so a
// clean clone in CI has them.
const VECTORS_URL = new URL('../test-vectors/rfc9605-vectors.json', import.meta.url);

export interface HeaderVector {
  readonly kid: string;
  readonly ctr: string;
  readonly header: string;
}

export interface AeadVector {
  readonly cipher_suite: number;
  readonly key: string;
  readonly enc_key: string;
  readonly auth_key: string;
  readonly nonce: string;
  readonly aad: string;
  readonly pt: string;
  readonly ct: string;
}

export interface SFrameVector {
  readonly cipher_suite: number;
  readonly kid: string;
  readonly ctr: string;
  readonly base_key: string;
  readonly sframe_key_label: string;
  readonly sframe_salt_label: string;
  readonly sframe_secret: string;
  readonly sframe_key: string;
  readonly sframe_salt: string;
  readonly metadata: string;
  readonly nonce: string;
  readonly aad: string;
  readonly pt: string;
  readonly ct: string;
}

export interface Rfc9605Vectors {
  readonly header: readonly HeaderVector[];
  readonly aead: readonly AeadVector[];
  readonly sframe: readonly SFrameVector[];
}

export async function loadRfc9605Vectors(): Promise<Rfc9605Vectors> {
  const path = fileURLToPath(VECTORS_URL);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new Error(`RFC 9605 conformance vectors not found at ${path}`, { cause });
  }
  return JSON.parse(text) as Rfc9605Vectors;
}

export function hex(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 2 !== 0 || /[^0-9a-f]/i.test(text)) throw new Error(`bad hex: ${text}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
