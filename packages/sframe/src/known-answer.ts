import { assertUint64, decodeHeader } from './header.ts';
import { createKeyContext, openFrame, sealFrame } from './key-context.ts';
import type { SFrameDecryptResult } from './receiver.ts';

/**
 * One-shot SFrame encryption and decryption with every input explicit, as in the RFC 9605
 * test vectors (Appendix C.3). They derive keys on every call and keep no counter or replay
 * state, so they are for tests and tools; media paths use SFrameSender / SFrameReceiver.
 */

export interface SFrameEncryptParams {
  readonly cipherSuite: number;
  readonly baseKey: Uint8Array;
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly metadata?: Uint8Array | undefined;
  readonly plaintext: Uint8Array;
}

export interface SFrameDecryptParams {
  readonly cipherSuite: number;
  readonly baseKey: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly metadata?: Uint8Array | undefined;
}

/** Returns the SFrame ciphertext header || ct || tag. */
export async function sframeEncrypt(params: SFrameEncryptParams): Promise<Uint8Array<ArrayBuffer>> {
  assertUint64(params.ctr, 'CTR');
  const context = await createKeyContext(params.cipherSuite, params.kid, params.baseKey);
  return sealFrame(context, params.ctr, params.plaintext, params.metadata);
}

/** Decrypts with keys derived from `baseKey` for the KID found in the header. */
export async function sframeDecrypt(params: SFrameDecryptParams): Promise<SFrameDecryptResult> {
  const header = decodeHeader(params.ciphertext);
  const context = await createKeyContext(params.cipherSuite, header.kid, params.baseKey);
  const plaintext = await openFrame(context, header, params.ciphertext, params.metadata);
  return { kid: header.kid, ctr: header.ctr, plaintext };
}
