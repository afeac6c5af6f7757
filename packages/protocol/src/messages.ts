import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { MAX_ANNOUNCED_KIDS, MAX_ENVELOPES_PER_REQUEST, PROTOCOL_VERSION } from './limits.ts';
import { Base64Url, DisplayName, Id, Kid, MediaKind, OpaqueObject } from './primitives.ts';

const strict = { additionalProperties: false } as const;

/** The roles a person can have in a consultation (what each may do is the server's call). */
export const ROLES = [
  'clinician',
  'patient',
  'interpreter',
  'relative',
  'observer-clinician',
] as const;

export const Role = Type.Union(ROLES.map((role) => Type.Literal(role)));
export type Role = Static<typeof Role>;

/** What every participant's browser needs to seal keys to, and verify keys from, a member. */
export const E2eeIdentity = Type.Object(
  { boxPublicKey: Base64Url(64), signPublicKey: Base64Url(64) },
  strict,
);

/** One roster entry, as every admitted participant sees it. */
export const RosterMember = Type.Object(
  {
    participantId: Id,
    name: DisplayName,
    role: Role,
    /** The slot in this participant's SFrame KIDs (kid = slot * 2^16 + epoch). */
    senderSlot: Type.Integer({ minimum: 1, maximum: 0xffff }),
    boxPublicKey: Base64Url(64),
    signPublicKey: Base64Url(64),
    audio: Type.Boolean(),
    video: Type.Boolean(),
    /**
     * The participant compared the safety code aloud and confirmed it for the current
     * membership; any change of membership clears it, since the code changes.
     */
    keyVerified: Type.Boolean(),
  },
  strict,
);
export type RosterMember = Static<typeof RosterMember>;

/** The SFrame parameters a producer must declare; the server checks its frames against them. */
export const SFrameParameters = Type.Object(
  {
    /** RFC 9605 cipher suite number (1-5). */
    cipherSuite: Type.Integer({ minimum: 1, maximum: 5 }),
    kids: Type.Array(Kid, { minItems: 1, maxItems: MAX_ANNOUNCED_KIDS, uniqueItems: true }),
  },
  strict,
);
export type SFrameParameters = Static<typeof SFrameParameters>;

/**
 * A STUN/TURN server for the client's RTCPeerConnection (RTCIceServer). TURN entries carry
 * short-lived credentials of the TURN REST scheme: username "<expiry unix time>:<id>",
 * credential base64(HMAC-SHA1(shared secret, username)), checked by the TURN server alone.
 */
export const IceServer = Type.Object(
  {
    urls: Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^(stun|turns?):' }), {
      minItems: 1,
      maxItems: 8,
    }),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    credential: Type.Optional(Type.String({ maxLength: 256 })),
  },
  strict,
);
export type IceServer = Static<typeof IceServer>;

export const TransportOptions = Type.Object(
  {
    transportId: Id,
    iceParameters: OpaqueObject,
    iceCandidates: Type.Array(OpaqueObject),
    dtlsParameters: OpaqueObject,
    /**
     * Relays the client may use to reach the media node (restrictive networks); absent or
     * empty when the server has none configured.
     */
    iceServers: Type.Optional(Type.Array(IceServer, { maxItems: 4 })),
  },
  strict,
);

/**
 * SRTP crypto suites a plain transport may use: AES_CM_128_HMAC_SHA1_80 only, the one mediasoup
 * creates SRTP PlainTransports with here (RFC 3711 §8.2 profile; a 16-byte master key and a
 * 14-byte master salt, 30 bytes that base64 writes as 40 characters).
 */
export const SrtpCryptoSuite = Type.Literal('AES_CM_128_HMAC_SHA1_80');

/** One end's SRTP master key and salt for a plain transport, as mediasoup spells them. */
export const SrtpParameters = Type.Object(
  {
    cryptoSuite: SrtpCryptoSuite,
    keyBase64: Type.String({ minLength: 40, maxLength: 40, pattern: '^[A-Za-z0-9+/]{40}$' }),
  },
  strict,
);
export type SrtpParameters = Static<typeof SrtpParameters>;

/**
 * RTP over a PlainTransport: load generators and tests only, enabled by server config. With
 * SRTP, `srtpParameters` is the server's key: what it sends is protected with it.
 */
export const PlainTransportOptions = Type.Object(
  {
    transportId: Id,
    ip: Type.String(),
    port: Type.Integer(),
    srtpParameters: Type.Optional(SrtpParameters),
  },
  strict,
);

export const ConsultationMode = Type.Union([Type.Literal('consultation'), Type.Literal('group')]);

/** A session's resume secret (32 random bytes, base64url). */
export const ResumeToken = Type.String({
  minLength: 43,
  maxLength: 43,
  pattern: '^[A-Za-z0-9_-]+$',
});

/** The secret part of an invite link (32 random bytes, base64url). */
export const InviteSecret = Type.String({
  minLength: 43,
  maxLength: 43,
  pattern: '^[A-Za-z0-9_-]+$',
});

const ProducerSummary = Type.Object({ producerId: Id, participantId: Id, kind: MediaKind }, strict);

/** In the call: everything needed to send and receive media. */
export const JoinedResult = Type.Object({
  status: Type.Literal('joined'),
  consultationId: Id,
  participantId: Id,
  senderSlot: Type.Integer(),
  routerRtpCapabilities: OpaqueObject,
  roster: Type.Array(RosterMember),
  /** Producers already in the room that this participant may consume. */
  producers: Type.Array(ProducerSummary),
});
export type JoinedResult = Static<typeof JoinedResult>;

/** In one's own waiting room: nothing about anyone else. */
export const WaitingResult = Type.Object({
  status: Type.Literal('waiting'),
  consultationId: Id,
  title: Type.String({ maxLength: 200 }),
  clinicians: Type.Array(DisplayName),
});

/** A waiting invitee as the consultation's clinicians see them. */
export const WaitingEntry = Type.Object({
  waitingId: Id,
  name: DisplayName,
  role: Role,
  /** Verified from the token, shown so the clinician can check who it is. */
  nationalId: Type.Optional(Type.String({ maxLength: 20 })),
  assurance: Type.Optional(Type.String({ maxLength: 200 })),
  since: Type.String({ maxLength: 40 }),
});
export type WaitingEntry = Static<typeof WaitingEntry>;

function method<P extends TSchema, R extends TSchema>(params: P, result: R) {
  return { params, result };
}

/**
 * Every request a client may send, with its params and the result it gets. The server
 * validates params against these schemas before any handler runs; types derive from them.
 */
export const requests = {
  /** First message of every connection: the protocol version and the OIDC token. */
  hello: method(
    Type.Object(
      {
        protocolVersion: Type.Integer({ minimum: 0, maximum: 1000 }),
        token: Type.String({ minLength: 1, maxLength: 16 * 1024 }),
        /** After a dropped connection: the resumeToken of the previous session. */
        resume: Type.Optional(ResumeToken),
      },
      strict,
    ),
    Type.Object({
      protocolVersion: Type.Literal(PROTOCOL_VERSION),
      sessionId: Id,
      name: DisplayName,
      role: Role,
      /** Give it back in `hello.resume` to resume this session after a dropped connection. */
      resumeToken: ResumeToken,
      /**
       * Present when the previous session was resumed: the client is back in the call (the
       * server sends the current roster; restart ICE on the existing transports) or in the
       * waiting room. Absent: the previous session is gone; join again.
       */
      resumed: Type.Optional(
        Type.Object({
          state: Type.Union([Type.Literal('joined'), Type.Literal('waiting')]),
          consultationId: Id,
          /** In the call: the same as join's result (ids, slot, capabilities, roster). */
          joined: Type.Optional(JoinedResult),
        }),
      ),
    }),
  ),
  /**
   * What an invite is for, before joining: shown to the invitee (group patients must confirm
   * how many others attend). Refused when the signed-in person is not the one invited.
   */
  inspectInvite: method(
    Type.Object({ invite: InviteSecret }, strict),
    Type.Object({
      consultationId: Id,
      title: Type.String({ maxLength: 200 }),
      startsAt: Type.String({ maxLength: 40 }),
      mode: ConsultationMode,
      clinicians: Type.Array(DisplayName),
      /** Other patients expected (group mode; 0 otherwise). */
      otherPatients: Type.Integer({ minimum: 0 }),
    }),
  ),
  /**
   * Enter a consultation: clinicians of it by id, everyone else by invite. Invitees go to
   * their own waiting room (`waiting`) until a clinician admits them (`admitted`).
   */
  join: method(
    Type.Object(
      {
        consultationId: Type.Optional(Id),
        invite: Type.Optional(InviteSecret),
        /** Group mode: the patient saw how many others attend and agreed. */
        confirmGroup: Type.Optional(Type.Boolean()),
        e2ee: E2eeIdentity,
        rtpCapabilities: OpaqueObject,
      },
      strict,
    ),
    Type.Union([JoinedResult, WaitingResult]),
  ),
  /** I compared the safety code of the current membership and it matched. */
  confirmSafetyCode: method(Type.Object({}, strict), Type.Object({})),
  /** Hosts: let a waiting invitee in, or send them away. */
  admit: method(Type.Object({ waitingId: Id }, strict), Type.Object({})),
  deny: method(Type.Object({ waitingId: Id }, strict), Type.Object({})),
  /** Hosts: stop a participant's audio or video (they can unmute themselves). */
  mute: method(Type.Object({ participantId: Id, kind: MediaKind }, strict), Type.Object({})),
  /** Hosts: take a participant out of the consultation. */
  remove: method(Type.Object({ participantId: Id }, strict), Type.Object({})),
  /** Hosts: end the consultation for everyone, waiting invitees included. */
  end: method(Type.Object({}, strict), Type.Object({})),
  createTransport: method(
    Type.Object(
      {
        direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]),
        /** 'plain' only when the server allows it (load generators, tests). */
        type: Type.Optional(Type.Union([Type.Literal('webrtc'), Type.Literal('plain')])),
        /** Plain transports only: SRTP (AES_CM_128_HMAC_SHA1_80) instead of plain RTP. */
        srtp: Type.Optional(Type.Boolean()),
      },
      strict,
    ),
    Type.Union([TransportOptions, PlainTransportOptions]),
  ),
  connectTransport: method(
    Type.Object(
      {
        transportId: Id,
        dtlsParameters: Type.Optional(OpaqueObject),
        /** For plain transports: where the client receives RTP. */
        ip: Type.Optional(Type.String({ maxLength: 64 })),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        /**
         * For SRTP plain transports: the client's key, which what it sends is protected with
         * (alone for a send transport, whose client address the server learns from its media).
         */
        srtpParameters: Type.Optional(SrtpParameters),
      },
      strict,
    ),
    Type.Object({}),
  ),
  /** New ICE credentials; for WebRTC transports also fresh TURN credentials (they expire). */
  restartIce: method(
    Type.Object({ transportId: Id }, strict),
    Type.Object({
      iceParameters: OpaqueObject,
      iceServers: Type.Optional(Type.Array(IceServer, { maxItems: 4 })),
    }),
  ),
  produce: method(
    Type.Object(
      {
        transportId: Id,
        kind: MediaKind,
        rtpParameters: OpaqueObject,
        sframe: SFrameParameters,
      },
      strict,
    ),
    Type.Object({ producerId: Id }),
  ),
  /** A producer's sender rotated or ratcheted its key: the KIDs it may use from now on. */
  announceKids: method(
    Type.Object({ producerId: Id, kids: SFrameParameters.properties.kids }, strict),
    Type.Object({}),
  ),
  closeProducer: method(Type.Object({ producerId: Id }, strict), Type.Object({})),
  setProducerPaused: method(
    Type.Object({ producerId: Id, paused: Type.Boolean() }, strict),
    Type.Object({}),
  ),
  consume: method(
    Type.Object({ transportId: Id, producerId: Id }, strict),
    Type.Object({
      consumerId: Id,
      producerId: Id,
      participantId: Id,
      kind: MediaKind,
      rtpParameters: OpaqueObject,
    }),
  ),
  /** Consumers start paused (so the client can attach its decrypting transform first). */
  resumeConsumer: method(Type.Object({ consumerId: Id }, strict), Type.Object({})),
  /**
   * Relay sealed key envelopes to roster members. The server reads only `to`; the envelope
   * itself is passed on untouched and never logged or stored.
   */
  relayKeys: method(
    Type.Object(
      {
        envelopes: Type.Array(Type.Object({ to: Id, envelope: OpaqueObject }, strict), {
          minItems: 1,
          maxItems: MAX_ENVELOPES_PER_REQUEST,
        }),
      },
      strict,
    ),
    Type.Object({ delivered: Type.Integer() }),
  ),
  leave: method(Type.Object({}, strict), Type.Object({})),
} as const;

export type RequestMethod = keyof typeof requests;
export type RequestParams<M extends RequestMethod> = Static<(typeof requests)[M]['params']>;
export type RequestResult<M extends RequestMethod> = Static<(typeof requests)[M]['result']>;

/** Messages the server sends on its own. */
export const notifications = {
  rosterChanged: Type.Object({ roster: Type.Array(RosterMember) }),
  newProducer: Type.Object({ producerId: Id, participantId: Id, kind: MediaKind }),
  producerClosed: Type.Object({
    producerId: Id,
    reason: Type.Union([
      Type.Literal('closed'),
      Type.Literal('not-e2ee'),
      Type.Literal('media-reset'),
    ]),
  }),
  consumerClosed: Type.Object({ consumerId: Id, producerId: Id }),
  /** Sealed key envelope from another participant; `from` is set by the server. */
  keyEnvelope: Type.Object({ from: Id, envelope: OpaqueObject }),
  /** Clinicians only: the consultation's waiting list changed. */
  waitingListChanged: Type.Object({ waiting: Type.Array(WaitingEntry) }),
  /** A clinician let this waiting invitee in. */
  admitted: JoinedResult,
  /** A clinician declined to admit this invitee. */
  denied: Type.Object({}),
  /** A host took this participant out of the consultation. */
  removed: Type.Object({}),
  /** A host ended the consultation; every transport is closed. */
  consultationEnded: Type.Object({}),
  /** A host stopped this participant's audio or video. */
  mutedByHost: Type.Object({ kind: MediaKind }),
  /**
   * The media node serving the room restarted (a worker died): every transport is gone.
   * Clients create transports again and re-produce; the roster and keys stay.
   */
  /**
   * The media under the call was lost and the client must start its media over: a media
   * worker died, a media node was lost, an operator moved the call off a drained node, or
   * the signaling node holding the call died and another took it over.
   */
  mediaReset: Type.Object({
    reason: Type.Union([
      Type.Literal('worker-died'),
      Type.Literal('media-node-lost'),
      Type.Literal('moved'),
      Type.Literal('signaling-node-lost'),
    ]),
  }),
  /** The server is shutting down; reconnect later or elsewhere. */
  serverShutdown: Type.Object({}),
} as const;

export type NotificationName = keyof typeof notifications;
export type NotificationData<N extends NotificationName> = Static<(typeof notifications)[N]>;
