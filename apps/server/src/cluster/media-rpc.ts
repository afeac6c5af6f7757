import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The RPC between signaling nodes and media nodes: JSON over one WebSocket per pair, the
 * signaling node asking, the media node answering and reporting its rooms' events. Each end
 * proves the shared cluster secret to the other (an HMAC over the other's nonce: challenge,
 * hello, ready) before anything else; the secret itself never crosses the network. Every message is checked against these
 * schemas on arrival (both ends): a malformed one is refused, never acted on. Shapes that
 * are mediasoup's own (RTP parameters, DTLS parameters...) are checked as objects here and
 * by mediasoup itself on use.
 */

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Blob = Type.Record(Type.String(), Type.Unknown());
const Kind = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
const SrtpParameters = Type.Object({
  cryptoSuite: Type.String({ maxLength: 64 }),
  keyBase64: Type.String({ maxLength: 256 }),
});
const PipeEnd = Type.Object({
  ip: Type.String({ maxLength: 64 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  srtpParameters: SrtpParameters,
});
const PipedProducer = Type.Object({
  producerId: Id,
  participantId: Id,
  kind: Kind,
  rtpParameters: Blob,
  paused: Type.Boolean(),
});

const room = { roomId: Id };
const member = { roomId: Id, participantId: Id };

/** Parameters of each method the media node answers. */
export const rpcMethods = {
  /** Liveness: a media node that stops answering is treated as dead. */
  ping: Type.Object({}),
  openRoom: Type.Object(room),
  closeRoom: Type.Object(room),
  addParticipant: Type.Object({ ...member, rtpCapabilities: Blob }),
  removeParticipant: Type.Object(member),
  createTransport: Type.Object({
    ...member,
    direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]),
    type: Type.Union([Type.Literal('webrtc'), Type.Literal('plain')]),
    srtp: Type.Boolean(),
  }),
  connectTransport: Type.Object({ ...member, transportId: Id, dtlsParameters: Blob }),
  connectPlainTransport: Type.Object({
    ...member,
    transportId: Id,
    remote: Type.Object({
      ip: Type.Optional(Type.String({ maxLength: 64 })),
      port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
      srtpParameters: Type.Optional(SrtpParameters),
    }),
  }),
  restartIce: Type.Object({ ...member, transportId: Id }),
  produce: Type.Object({
    ...member,
    senderSlot: Type.Integer(),
    transportId: Id,
    kind: Kind,
    rtpParameters: Blob,
    sframe: Blob,
  }),
  setProducerKids: Type.Object({
    ...member,
    senderSlot: Type.Integer(),
    producerId: Id,
    kids: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 64 }),
  }),
  setProducerPaused: Type.Object({ ...member, producerId: Id, paused: Type.Boolean() }),
  pauseProducersOf: Type.Object({ ...member, kind: Kind }),
  closeProducer: Type.Object({ ...member, producerId: Id }),
  consume: Type.Object({ ...member, transportId: Id, producerId: Id }),
  resumeConsumer: Type.Object({ ...member, consumerId: Id }),
  bitrates: Type.Object(room),
  openPipe: Type.Object(room),
  connectPipe: Type.Object({ ...room, pipeId: Id, remote: PipeEnd }),
  pipeOut: Type.Object({ ...room, pipeId: Id, producerId: Id }),
  pipeIn: Type.Object({ ...room, pipeId: Id, piped: PipedProducer }),
  setPipedPaused: Type.Object({ ...room, producerId: Id, paused: Type.Boolean() }),
  closePiped: Type.Object({ ...room, producerId: Id }),
} satisfies Record<string, TSchema>;

export type RpcMethod = keyof typeof rpcMethods;
export type RpcParams<M extends RpcMethod> = Static<(typeof rpcMethods)[M]>;

const Nonce = Type.String({ minLength: 32, maxLength: 64 });
const Proof = Type.String({ minLength: 32, maxLength: 64 });

/** Media node → signaling node, first: prove the secret over this. */
export const RpcChallenge = Type.Object({ type: Type.Literal('challenge'), nonce: Nonce });

/** Signaling node → media node: its proof, and a nonce for the media node's. */
export const RpcHello = Type.Object({
  type: Type.Literal('hello'),
  nodeId: Id,
  proof: Proof,
  nonce: Nonce,
});

export const RpcRequest = Type.Object({
  type: Type.Literal('request'),
  id: Type.Integer({ minimum: 0 }),
  method: Type.String({ maxLength: 64 }),
  params: Blob,
});

const RoomCounts = Type.Object({
  transports: Type.Integer({ minimum: 0 }),
  producers: Type.Integer({ minimum: 0 }),
  consumers: Type.Integer({ minimum: 0 }),
});

export const RpcResponse = Type.Union([
  Type.Object({
    type: Type.Literal('response'),
    id: Type.Integer({ minimum: 0 }),
    ok: Type.Literal(true),
    result: Type.Unknown(),
    /** The room's counts after the call, for the signaling node's metrics. */
    counts: Type.Optional(RoomCounts),
  }),
  Type.Object({
    type: Type.Literal('response'),
    id: Type.Integer({ minimum: 0 }),
    ok: Type.Literal(false),
    error: Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String() }),
  }),
]);

/** Room events, as MediaRoom emits them (listenererror stays on the media node). */
export const RpcEvent = Type.Union([
  Type.Object({
    type: Type.Literal('event'),
    roomId: Id,
    event: Type.Literal('producerready'),
    args: Type.Tuple([Id, Id, Kind]),
  }),
  Type.Object({
    type: Type.Literal('event'),
    roomId: Id,
    event: Type.Literal('producerclosed'),
    args: Type.Tuple([Id, Id, Type.Union([Type.Literal('closed'), Type.Literal('not-e2ee')])]),
  }),
  Type.Object({
    type: Type.Literal('event'),
    roomId: Id,
    event: Type.Literal('producerrejected'),
    args: Type.Tuple([Id, Id, Type.Object({ reason: Type.String(), detail: Type.String() })]),
  }),
  Type.Object({
    type: Type.Literal('event'),
    roomId: Id,
    event: Type.Literal('consumerclosed'),
    args: Type.Tuple([Id, Id, Id]),
  }),
  Type.Object({
    type: Type.Literal('event'),
    roomId: Id,
    event: Type.Literal('reset'),
    args: Type.Tuple([
      Type.Union([
        Type.Literal('worker-died'),
        Type.Literal('media-node-lost'),
        Type.Literal('moved'),
      ]),
    ]),
  }),
]);

export const RpcReady = Type.Object({ type: Type.Literal('ready'), nodeId: Id, proof: Proof });

export type RpcResponseMessage = Static<typeof RpcResponse>;
export type RpcEventMessage = Static<typeof RpcEvent>;

/** Largest RPC message either end accepts (RTP parameters of one producer are a few KiB). */
export const MAX_RPC_MESSAGE_BYTES = 256 * 1024;

/** Parses and checks one message; undefined if it is not JSON or not of this shape. */
export function parseRpc<T extends TSchema>(schema: T, text: string): Static<T> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Value.Check(schema, value) ? (value as Static<T>) : undefined;
}

export function isRpcMethod(method: string): method is RpcMethod {
  return Object.hasOwn(rpcMethods, method);
}
