/**
 * A minimal TURN client for tests: STUN messages (RFC 8489) and the Allocate and Refresh
 * Allocate, CreatePermission and Refresh transactions of TURN (RFC 8656, formerly RFC 5766)
 * with long-term credentials, over UDP. Enough to ask a real TURN server whether it accepts a
 * credential and a peer; no channels, and no data is ever relayed.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;

/** Message types (method | class bits), RFC 8489 §5 and RFC 8656 §17. */
const BINDING_REQUEST = 0x0001;
const ALLOCATE_REQUEST = 0x0003;
const REFRESH_REQUEST = 0x0004;
const CREATE_PERMISSION_REQUEST = 0x0008;
const SUCCESS_CLASS = 0x0100;
const ERROR_CLASS = 0x0110;

/** Attribute types, RFC 8489 §18.3 and RFC 8656 §18. */
const attribute = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  fingerprint: 0x8028,
} as const;

/** REQUESTED-TRANSPORT's protocol number for UDP (IANA). */
const UDP_PROTOCOL = 17;

interface StunMessage {
  readonly type: number;
  readonly transactionId: Buffer;
  readonly attributes: ReadonlyMap<number, Buffer>;
  /** The whole datagram, for MESSAGE-INTEGRITY checks. */
  readonly raw: Buffer;
}

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

export type Refusal = { readonly ok: false; readonly code: number; readonly reason: string };

export type AllocateOutcome =
  | { readonly ok: true; readonly relayed: TransportAddress; readonly mapped: TransportAddress }
  | Refusal;

function encodeAttribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/**
 * A STUN message; with `key`, MESSAGE-INTEGRITY last (RFC 8489 §14.5: HMAC-SHA1 over the
 * message up to the attribute, with the header's length already counting it).
 */
function encodeMessage(
  type: number,
  transactionId: Buffer,
  attributes: [number, Buffer][],
  key?: Buffer,
): Buffer {
  const body = Buffer.concat(attributes.map(([t, value]) => encodeAttribute(t, value)));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  const message = Buffer.concat([header, body]);
  if (!key) return message;
  const mac = createHmac('sha1', key).update(message).digest();
  return Buffer.concat([message, encodeAttribute(attribute.messageIntegrity, mac)]);
}

function decodeMessage(raw: Buffer): StunMessage | undefined {
  if (raw.length < HEADER_BYTES || raw.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const attributes = new Map<number, Buffer>();
  let offset = HEADER_BYTES;
  const end = HEADER_BYTES + raw.readUInt16BE(2);
  while (offset + 4 <= end) {
    const type = raw.readUInt16BE(offset);
    const length = raw.readUInt16BE(offset + 2);
    // The first of a repeated attribute counts (RFC 8489 §14).
    if (!attributes.has(type)) attributes.set(type, raw.subarray(offset + 4, offset + 4 + length));
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return { type: raw.readUInt16BE(0), transactionId: raw.subarray(8, 20), attributes, raw };
}

/** Checks a response's MESSAGE-INTEGRITY (the attributes after it, FINGERPRINT, excluded). */
function hasValidIntegrity(message: StunMessage, key: Buffer): boolean {
  const mac = message.attributes.get(attribute.messageIntegrity);
  if (!mac) return false;
  const macOffset = mac.byteOffset - message.raw.byteOffset - 4;
  const covered = Buffer.from(message.raw.subarray(0, macOffset));
  covered.writeUInt16BE(macOffset - HEADER_BYTES + 24, 2);
  const expected = createHmac('sha1', key).update(covered).digest();
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

/** XOR-PEER-ADDRESS and the like (RFC 8489 §14.2), IPv4 only. */
function encodeXorAddress({ address, port }: TransportAddress): Buffer {
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const octets = address.split('.').map(Number);
  const ip = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  value.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

/** XOR-MAPPED-ADDRESS / XOR-RELAYED-ADDRESS (RFC 8489 §14.2), IPv4 only. */
function decodeXorAddress(value: Buffer | undefined): TransportAddress | undefined {
  if (!value || value.length < 8 || value[1] !== 0x01) return undefined;
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return {
    address: [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.'),
    port,
  };
}

function decodeError(value: Buffer | undefined): { code: number; reason: string } {
  if (!value || value.length < 4) return { code: 0, reason: 'no ERROR-CODE' };
  return {
    code: ((value[2] ?? 0) & 0x07) * 100 + (value[3] ?? 0),
    reason: value.subarray(4).toString('utf8'),
  };
}

/**
 * One UDP client of a TURN server. Each instance has its own socket, hence its own 5-tuple
 * and at most one allocation (RFC 8656 §2.2).
 */
export class TurnClient {
  readonly #server: TransportAddress;
  readonly #socket: Socket;
  readonly #pending = new Map<string, (message: StunMessage) => void>();
  #allocation: { key: Buffer; credentials: [number, Buffer][] } | undefined;

  private constructor(server: TransportAddress, socket: Socket) {
    this.#server = server;
    this.#socket = socket;
    socket.on('message', (raw: Buffer) => {
      const message = decodeMessage(raw);
      if (!message) return;
      const id = message.transactionId.toString('hex');
      this.#pending.get(id)?.(message);
      this.#pending.delete(id);
    });
  }

  static async open(server: TransportAddress): Promise<TurnClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new TurnClient(server, socket);
  }

  /** Any STUN Binding answer, authenticated or not: the server is up. */
  async ping(timeoutMs = 500): Promise<boolean> {
    const answer = await this.#transact(BINDING_REQUEST, [], undefined, timeoutMs).catch(
      () => undefined,
    );
    return answer !== undefined;
  }

  /**
   * Allocates a UDP relay with long-term credentials (RFC 8656 §7.2, RFC 8489 §9.2): the first
   * request, without credentials, is answered 401 with the realm and a nonce; the retry
   * carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed with MD5(user:realm:password).
   * The allocation lasts until release() or close().
   */
  async allocate(username: string, password: string): Promise<AllocateOutcome> {
    const transport = Buffer.from([UDP_PROTOCOL, 0, 0, 0]);
    const challenge = await this.#transact(ALLOCATE_REQUEST, [
      [attribute.requestedTransport, transport],
    ]);
    if (challenge.type !== (ALLOCATE_REQUEST | ERROR_CLASS)) {
      throw new Error('the TURN server allocated without asking for credentials');
    }
    const realm = challenge.attributes.get(attribute.realm);
    const nonce = challenge.attributes.get(attribute.nonce);
    if (!realm || !nonce) {
      return { ok: false, ...decodeError(challenge.attributes.get(attribute.errorCode)) };
    }
    // RFC 8489 §9.2.2: the key of the long-term mechanism (no SASLprep needed for ASCII).
    const key = createHash('md5')
      .update(`${username}:${realm.toString('utf8')}:${password}`)
      .digest();
    const credentials: [number, Buffer][] = [
      [attribute.username, Buffer.from(username, 'utf8')],
      [attribute.realm, realm],
      [attribute.nonce, nonce],
    ];
    const answer = await this.#transact(
      ALLOCATE_REQUEST,
      [[attribute.requestedTransport, transport], ...credentials],
      key,
    );
    if (answer.type === (ALLOCATE_REQUEST | ERROR_CLASS)) {
      return { ok: false, ...decodeError(answer.attributes.get(attribute.errorCode)) };
    }
    if (!hasValidIntegrity(answer, key)) {
      throw new Error('the TURN server answered without a valid MESSAGE-INTEGRITY');
    }
    const relayed = decodeXorAddress(answer.attributes.get(attribute.xorRelayedAddress));
    const mapped = decodeXorAddress(answer.attributes.get(attribute.xorMappedAddress));
    if (!relayed || !mapped) throw new Error('the allocation has no relayed or mapped address');
    this.#allocation = { key, credentials };
    return { ok: true, relayed, mapped };
  }

  /**
   * Asks to relay to `peer` (RFC 8656 §9). Installing a permission sends nothing to the peer;
   * the server refuses peers its policy denies with 403.
   */
  async createPermission(peer: string): Promise<{ readonly ok: true } | Refusal> {
    const { key, credentials } = this.#requireAllocation();
    const answer = await this.#transact(
      CREATE_PERMISSION_REQUEST,
      [[attribute.xorPeerAddress, encodeXorAddress({ address: peer, port: 9 })], ...credentials],
      key,
    );
    if (answer.type === (CREATE_PERMISSION_REQUEST | ERROR_CLASS)) {
      return { ok: false, ...decodeError(answer.attributes.get(attribute.errorCode)) };
    }
    return { ok: true };
  }

  /** Frees the allocation (Refresh with lifetime 0, RFC 8656 §7.3). */
  async release(): Promise<void> {
    if (!this.#allocation) return;
    const { key, credentials } = this.#allocation;
    this.#allocation = undefined;
    await this.#transact(
      REFRESH_REQUEST,
      [[attribute.lifetime, Buffer.alloc(4)], ...credentials],
      key,
    );
  }

  async close(): Promise<void> {
    await this.release().catch(() => undefined);
    this.#socket.close();
  }

  #requireAllocation() {
    if (!this.#allocation) throw new Error('allocate first');
    return this.#allocation;
  }

  /** One request and its answer; retransmitted over UDP (RFC 8489 §6.2.1, shortened). */
  async #transact(
    type: number,
    attributes: [number, Buffer][],
    key?: Buffer,
    timeoutMs = 3000,
  ): Promise<StunMessage> {
    const transactionId = randomBytes(12);
    const request = encodeMessage(type, transactionId, attributes, key);
    const id = transactionId.toString('hex');
    return new Promise<StunMessage>((resolve, reject) => {
      const send = () => this.#socket.send(request, this.#server.port, this.#server.address);
      const retransmit = setInterval(send, 250);
      const timeout = setTimeout(() => {
        clearInterval(retransmit);
        this.#pending.delete(id);
        reject(new Error(`no answer from the TURN server in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, (message) => {
        clearInterval(retransmit);
        clearTimeout(timeout);
        if ((message.type & ~ERROR_CLASS) !== type || (message.type & SUCCESS_CLASS) === 0) {
          reject(new Error(`unexpected STUN message type 0x${message.type.toString(16)}`));
        } else {
          resolve(message);
        }
      });
      send();
    });
  }
}
