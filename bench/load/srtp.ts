/**
 * SRTP and SRTCP (RFC 3711) with AES_CM_128_HMAC_SHA1_80, the profile mediasoup's
 * PlainTransports offer, in node:crypto alone: AES-128 in counter mode for the payload, HMAC-SHA1
 * truncated to 80 bits for the tag, and the AES-CM PRF for the session keys. Enough for the load
 * generator and the tests to speak SRTP to the worker: no MKI, no key lifetime or re-keying
 * (key derivation rate 0), and no replay list on the receiving side (the worker is the only
 * sender on loopback; the tag still authenticates every packet).
 */
import {
  createCipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** The suite as mediasoup names it (`srtpParameters.cryptoSuite`). */
export const SRTP_CRYPTO_SUITE = 'AES_CM_128_HMAC_SHA1_80';

/** What each end of a mediasoup PlainTransport gives the other: its master key, then salt. */
export interface SrtpParameters {
  cryptoSuite: typeof SRTP_CRYPTO_SUITE;
  /** base64 of the 16-byte master key followed by the 14-byte master salt (30 bytes). */
  keyBase64: string;
}

const MASTER_KEY_BYTES = 16;
const MASTER_SALT_BYTES = 14;
const AUTH_KEY_BYTES = 20;
/** HMAC-SHA1 truncated to 80 bits (RFC 3711 §4.2.1, the _80 of the suite's name). */
export const AUTH_TAG_BYTES = 10;
/** The E flag and 31-bit SRTCP index every SRTCP packet carries (RFC 3711 §3.4). */
const SRTCP_INDEX_BYTES = 4;
const RTP_HEADER_BYTES = 12;
const RTCP_HEADER_BYTES = 8;

/** Key derivation labels (RFC 3711 §4.3.1, §4.3.2). */
const LABEL = {
  rtpEncryption: 0,
  rtpAuthentication: 1,
  rtpSalt: 2,
  rtcpEncryption: 3,
  rtcpAuthentication: 4,
  rtcpSalt: 5,
} as const;

/** Fresh master key and salt for one end of one transport. */
export function generateSrtpParameters(): SrtpParameters {
  return {
    cryptoSuite: SRTP_CRYPTO_SUITE,
    keyBase64: randomBytes(MASTER_KEY_BYTES + MASTER_SALT_BYTES).toString('base64'),
  };
}

/** AES-CM keystream (RFC 3711 §4.1.1): AES-128-CTR from `iv`, over `length` zero bytes. */
export function aesCmKeystream(key: Uint8Array, iv: Uint8Array, length: number): Buffer {
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(length));
}

/**
 * The AES-CM PRF (RFC 3711 §4.3.1, §4.3.3) with key derivation rate 0: the keystream from
 * IV = (label * 2^48 XOR master_salt) * 2^16, under the master key.
 */
export function deriveSessionKey(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  label: number,
  length: number,
): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(masterSalt, 0);
  // label * 2^48 within the 112-bit salt: the byte 7 places from its end.
  iv[7] = (iv[7] as number) ^ label;
  return aesCmKeystream(masterKey, iv, length);
}

/** The session keys of one direction (SRTP or SRTCP), set up once. */
class SessionKeys {
  readonly authentication: KeyObject;
  readonly #encryption: KeyObject;
  /** Salt bytes 0-3, 4-7, 8-11 and 12-13 (big-endian), the counter block's constant part. */
  readonly #salt: [number, number, number, number];
  /** The counter block, rewritten per packet (createCipheriv copies it). */
  readonly #iv = Buffer.alloc(16);

  constructor(encryption: Buffer, authentication: Buffer, salt: Buffer) {
    this.authentication = createSecretKey(authentication);
    this.#encryption = createSecretKey(encryption);
    this.#salt = [
      salt.readUInt32BE(0),
      salt.readUInt32BE(4),
      salt.readUInt32BE(8),
      salt.readUInt16BE(12),
    ];
  }

  /**
   * XORs `data` with the AES-CM keystream for (SSRC, index) into `out` at `offset`: AES-128-CTR
   * from the counter block (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16) (RFC 3711
   * §4.1.1), the 48-bit index given as its high 32 and low 16 bits.
   */
  crypt(
    ssrc: number,
    indexHigh: number,
    indexLow: number,
    data: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): void {
    const iv = this.#iv;
    const [s0, s1, s2, s3] = this.#salt;
    iv.writeUInt32BE(s0, 0);
    iv.writeUInt32BE((s1 ^ ssrc) >>> 0, 4);
    iv.writeUInt32BE((s2 ^ indexHigh) >>> 0, 8);
    iv.writeUInt16BE(s3 ^ indexLow, 12);
    out.set(createCipheriv('aes-128-ctr', this.#encryption, iv).update(data), offset);
  }
}

/** Per SSRC: the rollover counter and highest sequence number (RFC 3711 §3.3.1). */
interface RolloverState {
  roc: number;
  highest: number;
}

/**
 * One SRTP crypto context: what one end protects with its master key, or what it unprotects
 * with the other end's. Streams are told apart by SSRC, each with its own rollover counter.
 */
export class SrtpContext {
  readonly #rtp: SessionKeys;
  readonly #rtcp: SessionKeys;
  readonly #rollover = new Map<number, RolloverState>();
  #srtcpIndex = 0;

  constructor(parameters: SrtpParameters) {
    if (parameters.cryptoSuite !== SRTP_CRYPTO_SUITE) {
      throw new Error(`unsupported SRTP crypto suite ${parameters.cryptoSuite}`);
    }
    const master = Buffer.from(parameters.keyBase64, 'base64');
    if (master.length !== MASTER_KEY_BYTES + MASTER_SALT_BYTES) {
      throw new Error(`SRTP master key and salt must be 30 bytes, not ${master.length}`);
    }
    const key = master.subarray(0, MASTER_KEY_BYTES);
    const salt = master.subarray(MASTER_KEY_BYTES);
    const derive = (label: number, length: number) => deriveSessionKey(key, salt, label, length);
    this.#rtp = new SessionKeys(
      derive(LABEL.rtpEncryption, MASTER_KEY_BYTES),
      derive(LABEL.rtpAuthentication, AUTH_KEY_BYTES),
      derive(LABEL.rtpSalt, MASTER_SALT_BYTES),
    );
    this.#rtcp = new SessionKeys(
      derive(LABEL.rtcpEncryption, MASTER_KEY_BYTES),
      derive(LABEL.rtcpAuthentication, AUTH_KEY_BYTES),
      derive(LABEL.rtcpSalt, MASTER_SALT_BYTES),
    );
  }

  /** An SRTP packet from an RTP packet: payload encrypted, tag appended (RFC 3711 §3.1). */
  protectRtp(packet: Uint8Array): Buffer {
    const headerEnd = rtpHeaderEnd(packet);
    if (headerEnd === undefined) throw new Error('not an RTP packet');
    const ssrc = readUint32(packet, 8);
    const sequence = readUint16(packet, 2);
    let state = this.#rollover.get(ssrc);
    if (!state) {
      state = { roc: 0, highest: sequence };
      this.#rollover.set(ssrc, state);
    } else if (sequence < state.highest && state.highest - sequence > 0x8000) {
      // The sequence number wrapped (RFC 3711 §3.3.1).
      state.roc = (state.roc + 1) >>> 0;
      state.highest = sequence;
    } else if (sequence > state.highest) {
      state.highest = sequence;
    }
    const out = Buffer.allocUnsafe(packet.length + AUTH_TAG_BYTES);
    out.set(packet.subarray(0, headerEnd), 0);
    this.#rtp.crypt(ssrc, state.roc, sequence, packet.subarray(headerEnd), out, headerEnd);
    rtpTag(this.#rtp.authentication, out.subarray(0, packet.length), state.roc).copy(
      out,
      packet.length,
      0,
      AUTH_TAG_BYTES,
    );
    return out;
  }

  /** The RTP packet inside an SRTP packet; undefined when the tag does not verify. */
  unprotectRtp(packet: Uint8Array): Buffer | undefined {
    const headerEnd = rtpHeaderEnd(packet);
    if (headerEnd === undefined || packet.length < headerEnd + AUTH_TAG_BYTES) return undefined;
    const ssrc = readUint32(packet, 8);
    const sequence = readUint16(packet, 2);
    const state = this.#rollover.get(ssrc);
    const roc = state ? estimateRoc(state, sequence) : 0;
    const end = packet.length - AUTH_TAG_BYTES;
    const tag = rtpTag(this.#rtp.authentication, packet.subarray(0, end), roc);
    if (!timingSafeEqual(tag.subarray(0, AUTH_TAG_BYTES), packet.subarray(end))) return undefined;
    if (!state) this.#rollover.set(ssrc, { roc, highest: sequence });
    else if (roc !== state.roc || sequence > state.highest) {
      // Only after the tag verified may a packet move the receiver's index (RFC 3711 §3.3.1).
      if (roc === (state.roc + 1) >>> 0) {
        state.roc = roc;
        state.highest = sequence;
      } else if (roc === state.roc) state.highest = sequence;
    }
    const out = Buffer.allocUnsafe(end);
    out.set(packet.subarray(0, headerEnd), 0);
    this.#rtp.crypt(ssrc, roc, sequence, packet.subarray(headerEnd, end), out, headerEnd);
    return out;
  }

  /** An SRTCP packet from a (compound) RTCP packet, encrypted, indexed and tagged (§3.4). */
  protectRtcp(packet: Uint8Array): Buffer {
    if (packet.length < RTCP_HEADER_BYTES) throw new Error('not an RTCP packet');
    const index = this.#srtcpIndex;
    this.#srtcpIndex = (index + 1) & 0x7fff_ffff;
    const ssrc = readUint32(packet, 4);
    const out = Buffer.allocUnsafe(packet.length + SRTCP_INDEX_BYTES + AUTH_TAG_BYTES);
    out.set(packet.subarray(0, RTCP_HEADER_BYTES), 0);
    const payload = packet.subarray(RTCP_HEADER_BYTES);
    this.#rtcp.crypt(ssrc, index >>> 16, index & 0xffff, payload, out, RTCP_HEADER_BYTES);
    out.writeUInt32BE((0x8000_0000 | index) >>> 0, packet.length);
    const authenticated = packet.length + SRTCP_INDEX_BYTES;
    createHmac('sha1', this.#rtcp.authentication)
      .update(out.subarray(0, authenticated))
      .digest()
      .copy(out, authenticated, 0, AUTH_TAG_BYTES);
    return out;
  }

  /** The RTCP inside an SRTCP packet; undefined when the tag does not verify. */
  unprotectRtcp(packet: Uint8Array): Buffer | undefined {
    const trailer = SRTCP_INDEX_BYTES + AUTH_TAG_BYTES;
    if (packet.length < RTCP_HEADER_BYTES + trailer) return undefined;
    const authenticated = packet.length - AUTH_TAG_BYTES;
    const tag = createHmac('sha1', this.#rtcp.authentication)
      .update(packet.subarray(0, authenticated))
      .digest();
    if (!timingSafeEqual(tag.subarray(0, AUTH_TAG_BYTES), packet.subarray(authenticated))) {
      return undefined;
    }
    const end = packet.length - trailer;
    const eIndex = readUint32(packet, end);
    const out = Buffer.from(packet.subarray(0, end));
    if (eIndex & 0x8000_0000) {
      const index = eIndex & 0x7fff_ffff;
      const ssrc = readUint32(packet, 4);
      const payload = packet.subarray(RTCP_HEADER_BYTES, end);
      this.#rtcp.crypt(ssrc, index >>> 16, index & 0xffff, payload, out, RTCP_HEADER_BYTES);
    }
    return out;
  }
}

/**
 * The receiver's guess of the sender's ROC for `sequence` (RFC 3711 Appendix A): the one that
 * puts the packet nearest the highest sequence number seen.
 */
function estimateRoc(state: RolloverState, sequence: number): number {
  const { roc, highest } = state;
  if (highest < 0x8000) return sequence - highest > 0x8000 ? (roc - 1) >>> 0 : roc;
  return highest - 0x8000 > sequence ? (roc + 1) >>> 0 : roc;
}

/** The ROC as the tag covers it, big-endian; one buffer, the hash copies what it is fed. */
const rocBytes = Buffer.alloc(4);

/** HMAC-SHA1 over the authenticated portion and the ROC (RFC 3711 §4.2), untruncated. */
function rtpTag(key: KeyObject, authenticated: Uint8Array, roc: number): Buffer {
  rocBytes.writeUInt32BE(roc, 0);
  return createHmac('sha1', key).update(authenticated).update(rocBytes).digest();
}

/** Where an RTP packet's payload begins (after CSRCs and header extension). */
function rtpHeaderEnd(packet: Uint8Array): number | undefined {
  if (packet.length < RTP_HEADER_BYTES || (packet[0] as number) >> 6 !== 2) return undefined;
  const first = packet[0] as number;
  let offset = RTP_HEADER_BYTES + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + readUint16(packet, offset + 2) * 4;
  }
  return offset <= packet.length ? offset : undefined;
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}
