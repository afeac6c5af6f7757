import { KeyManager } from '@skjerm/e2ee';
import type { RequestMethod } from '@skjerm/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { WaitingInfo } from './client-types.ts';
import { isSkjermClientError, type SkjermClientError } from './errors.ts';
import type { LocalTrack, MuteSource } from './media/tracks.ts';
import { SkjermClient } from './skjerm-client.ts';
import {
  type FakeAnswer,
  FakeSocket,
  FakeWorker,
  fakeHandlerFactory,
  fakeTrack,
  openingSocket,
  rosterMember,
  routerRtpCapabilities,
  type SentRequest,
  transportAnswer,
  until,
} from './test-helpers.fixture.ts';

const HELLO = {
  protocolVersion: 1,
  sessionId: 'session-1',
  name: 'Ingrid Berg',
  role: 'patient',
  resumeToken: 'r'.repeat(43),
};
const INVITE_INFO = {
  consultationId: 'consultation-1',
  title: 'Kontroll',
  startsAt: '2026-12-01T10:00:00Z',
  mode: 'group',
  clinicians: ['Dr. Kari Nordmann'],
  otherPatients: 2,
};
const WAITING = {
  status: 'waiting',
  consultationId: 'consultation-1',
  title: 'Kontroll',
  clinicians: ['Dr. Kari Nordmann'],
};

/**
 * A SkjermClient against a scripted server: hello, join (joined or waiting, as `join` says),
 * transports, relayKeys and leave answer as a Skjerm server would; bo is already in the call.
 */
async function setUp(
  options: { join?: 'joined' | 'waiting'; environment?: object; resumed?: boolean } = {},
) {
  const sockets: FakeSocket[] = [];
  const worker = new FakeWorker();
  const bo = await KeyManager.create('bo');
  let joinParams: Record<string, unknown> | undefined;
  let producers = 0;
  const joined = () => {
    const e2ee = joinParams?.e2ee as { boxPublicKey: string; signPublicKey: string };
    return {
      status: 'joined',
      consultationId: 'consultation-1',
      participantId: 'me',
      senderSlot: 2,
      routerRtpCapabilities: routerRtpCapabilities(),
      roster: [
        rosterMember({ participantId: 'me', ...e2ee }, 2),
        rosterMember(bo.publicIdentity, 1),
      ],
      producers: [],
    };
  };
  const answers: Partial<Record<RequestMethod, (request: SentRequest) => FakeAnswer>> = {
    hello: (request) => ({
      result:
        request.params.resume === HELLO.resumeToken && options.resumed
          ? {
              ...HELLO,
              resumed: { state: options.join ?? 'joined', consultationId: 'consultation-1' },
            }
          : HELLO,
    }),
    restartIce: () => ({
      result: { iceParameters: transportAnswer().iceParameters, iceServers: [] },
    }),
    join: (request) => {
      joinParams = request.params;
      return { result: options.join === 'waiting' ? WAITING : joined() };
    },
    inspectInvite: () => ({ result: INVITE_INFO }),
    createTransport: () => ({ result: transportAnswer() }),
    connectTransport: () => ({ result: {} }),
    produce: () => ({ result: { producerId: `producer-${++producers}` } }),
    setProducerPaused: () => ({ result: {} }),
    mute: () => ({ result: {} }),
    remove: () => ({ result: {} }),
    end: () => ({ result: {} }),
    relayKeys: (request) => ({
      result: { delivered: (request.params.envelopes as unknown[]).length },
    }),
    leave: () => ({ result: {} }),
  };
  const client = new SkjermClient({
    url: 'wss://skjerm.test/ws',
    createSocket: () => {
      const socket = new FakeSocket();
      socket.answer = (request) => answers[request.method]?.(request);
      sockets.push(socket);
      return openingSocket(socket)();
    },
    createE2eeWorker: () => worker as unknown as Worker,
    environment: (options.environment ?? { RTCRtpScriptTransform: class {} }) as never,
    handlerFactory: fakeHandlerFactory,
  });
  const errors: SkjermClientError[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('e2eeerror', (error) => errors.push(error));
  const socket = {
    /** The first connection (most tests use only that one). */
    get sent() {
      return first().sent;
    },
    set answer(answer: FakeSocket['answer']) {
      first().answer = answer;
    },
    methods: () => first().methods(),
    push: (notification: string, data: unknown) => first().push(notification, data),
  };
  const first = () => {
    const [socket] = sockets;
    if (!socket) throw new Error('not connected yet');
    return socket;
  };
  return { client, socket, sockets, worker, joined, errors, joinParams: () => joinParams };
}

/** Every 'localmute' event, as [kind, muted, by]. */
function muteEvents(client: SkjermClient): [LocalTrack['kind'], boolean, MuteSource][] {
  const events: [LocalTrack['kind'], boolean, MuteSource][] = [];
  client.on('localmute', (local, muted, by) => events.push([local.kind, muted, by]));
  return events;
}

/** The setProducerPaused requests sent, as [producerId, paused]. */
function pauses(socket: { sent: SentRequest[] }): [unknown, unknown][] {
  return socket.sent
    .filter((request) => request.method === 'setProducerPaused')
    .map(({ params }) => [params.producerId, params.paused]);
}

async function rejection(promise: Promise<unknown>): Promise<SkjermClientError> {
  try {
    await promise;
  } catch (error) {
    if (isSkjermClientError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('SkjermClient', () => {
  it('refuses to join in a browser that cannot encrypt frames, before the server hears of it', async () => {
    const { client, socket } = await setUp({ environment: {} });
    await expect(client.connect('token')).resolves.toMatchObject({ name: 'Ingrid Berg' });
    const error = await rejection(client.join({ consultationId: 'consultation-1' }));
    expect(error.code).toBe('unsupported-browser');
    expect(error.message).toMatch(/Skjerm never sends media unencrypted/);
    expect(socket.methods()).toEqual(['hello']);
    expect(client.state).toBe('connected');
  });

  it('joins directly: public keys and receive capabilities in join, transports, keys sealed to the others', async () => {
    const { client, socket, worker, errors, joinParams } = await setUp();
    const codes: string[] = [];
    client.on('safetycode', (code) => codes.push(code));
    await client.connect('token');
    const info = await client.join({ consultationId: 'consultation-1' });
    expect(info).toMatchObject({ participantId: 'me', senderSlot: 2 });
    expect(client.state).toBe('joined');
    expect(joinParams()).toMatchObject({
      consultationId: 'consultation-1',
      e2ee: { boxPublicKey: expect.any(String), signPublicKey: expect.any(String) },
    });
    const sent = joinParams()?.rtpCapabilities as { codecs: { mimeType: string }[] } | undefined;
    const codecs = sent?.codecs ?? [];
    expect(codecs.map((c) => c.mimeType.toLowerCase())).toEqual(
      expect.arrayContaining(['audio/opus', 'video/vp8']),
    );
    // Keys are relayed while the transports are being created.
    expect(socket.methods().sort()).toEqual([
      'createTransport',
      'createTransport',
      'hello',
      'join',
      'relayKeys',
    ]);
    const relay = socket.sent.find((r) => r.method === 'relayKeys');
    expect(relay?.params.envelopes).toEqual([
      { to: 'bo', envelope: expect.objectContaining({ from: 'me', to: 'bo' }) },
    ]);
    expect(worker.types()).toEqual(['setSenderKey']);
    expect(client.senderKid).toBe(2n * 65536n);
    expect(codes).toEqual([client.safetyCode]);
    expect(errors).toEqual([]);
  });

  it('waits in the waiting room until a host admits it, then joins', async () => {
    const { client, socket, joined } = await setUp({ join: 'waiting' });
    const waiting: WaitingInfo[] = [];
    client.on('waiting', (info) => waiting.push(info));
    await client.connect('token');
    const joining = client.join({ invite: 'i'.repeat(43) });
    await until(() => client.state === 'waiting');
    expect(waiting).toEqual([
      { consultationId: 'consultation-1', title: 'Kontroll', clinicians: ['Dr. Kari Nordmann'] },
    ]);
    expect(socket.methods()).not.toContain('createTransport');
    socket.push('admitted', joined());
    await expect(joining).resolves.toMatchObject({ participantId: 'me' });
    expect(client.state).toBe('joined');
    expect(socket.methods()).toContain('createTransport');
  });

  it('a denied invitee gets admission-denied, is back to connected, and may join again', async () => {
    const { client, socket } = await setUp({ join: 'waiting' });
    const left: string[] = [];
    client.on('left', (reason) => left.push(reason));
    await client.connect('token');
    const joining = client.join({ invite: 'i'.repeat(43) });
    await until(() => client.state === 'waiting');
    socket.push('denied', {});
    expect((await rejection(joining)).code).toBe('admission-denied');
    expect(client.state).toBe('connected');
    expect(left).toEqual(['denied']);
    const again = client.join({ invite: 'i'.repeat(43) });
    await until(() => client.state === 'waiting');
    client.close();
    expect((await rejection(again)).code).toBe('connection-closed');
  });

  it('recreates both transports when the media node restarts', async () => {
    const { client, socket, errors } = await setUp();
    const resets: number[] = [];
    client.on('mediareset', () => resets.push(1));
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    socket.push('mediaReset', { reason: 'worker-died' });
    await until(() => socket.methods().filter((m) => m === 'createTransport').length === 4);
    expect(resets).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('leaves when the consultation ends, and closes when the server shuts down', async () => {
    const { client, socket, worker } = await setUp();
    const left: string[] = [];
    const closed: string[] = [];
    client.on('left', (reason) => left.push(reason));
    client.on('close', (reason) => closed.push(reason));
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    socket.push('consultationEnded', {});
    expect(left).toEqual(['ended']);
    expect(client.state).toBe('connected');
    expect(client.roster).toEqual([]);
    socket.push('serverShutdown', {});
    expect(client.state).toBe('closed');
    expect(closed).toHaveLength(1);
    expect(worker.terminated).toBe(true);
  });

  it('refuses a join answer that breaks the protocol and goes back to connected', async () => {
    const { client, socket } = await setUp();
    await client.connect('token');
    socket.answer = () => ({ result: { status: 'joined', consultationId: 'consultation-1' } });
    const error = await rejection(client.join({ consultationId: 'consultation-1' }));
    expect(error.code).toBe('invalid-message');
    expect(client.state).toBe('connected');
  });

  it('refuses calls made in the wrong state with invalid-state', async () => {
    const { client } = await setUp();
    expect((await rejection(client.join({ consultationId: 'x' }))).code).toBe('invalid-state');
    await client.connect('token');
    expect((await rejection(client.getStats())).code).toBe('invalid-state');
    expect((await rejection(client.connect('token'))).code).toBe('invalid-state');
  });

  it('takes its session back after a dropped connection and restarts ICE on both transports', async () => {
    const { client, sockets, errors } = await setUp({ resumed: true });
    const events: string[] = [];
    client.on('reconnecting', () => events.push('reconnecting'));
    client.on('reconnected', () => events.push('reconnected'));
    client.on('left', (reason) => events.push(`left ${reason}`));
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    sockets[0]?.close(1006, 'network gone');
    expect(client.state).toBe('reconnecting');
    await until(() => sockets[1]?.methods().filter((m) => m === 'restartIce').length === 2);
    expect(sockets[1]?.sent[0]).toMatchObject({
      method: 'hello',
      params: { token: 'token', resume: HELLO.resumeToken },
    });
    expect(client.state).toBe('joined');
    expect(events).toEqual(['reconnecting', 'reconnected']);
    expect(errors).toEqual([]);
  });

  it('is out of the consultation, but connected, when the server no longer has the session', async () => {
    const { client, sockets } = await setUp({ resumed: false });
    const left: string[] = [];
    client.on('left', (reason) => left.push(reason));
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    sockets[0]?.close(1006, 'network gone');
    await until(() => client.state === 'connected');
    expect(left).toEqual(['connection-closed']);
    expect(client.roster).toEqual([]);
  });

  it('does not try to resume a connection the server closed on purpose', async () => {
    const { client, sockets } = await setUp({ resumed: true });
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    sockets[0]?.close(1001, 'going away');
    expect(client.state).toBe('closed');
    expect(sockets).toHaveLength(1);
  });

  it('tells what an invite is for before joining with it', async () => {
    const { client, socket } = await setUp();
    expect((await rejection(client.inspectInvite('i'.repeat(43)))).code).toBe('invalid-state');
    await client.connect('token');
    await expect(client.inspectInvite('i'.repeat(43))).resolves.toEqual(INVITE_INFO);
    expect(socket.sent.at(-1)).toMatchObject({
      method: 'inspectInvite',
      params: { invite: 'i'.repeat(43) },
    });
  });

  it('replaces a published track in place (same producer), and refuses one of another kind', async () => {
    const { client, socket } = await setUp();
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    const local = await client.publish(fakeTrack('video'));
    const producerId = local.producerId;
    const produced = socket.sent.filter((frame) => frame.method === 'produce').length;
    const reopened = fakeTrack('video');
    await client.replaceTrack(local, reopened);
    expect(local.track).toBe(reopened);
    expect(local.producerId).toBe(producerId);
    expect(socket.sent.filter((frame) => frame.method === 'produce')).toHaveLength(produced);
    await expect(client.replaceTrack(local, fakeTrack('audio'))).rejects.toMatchObject({
      code: 'invalid-state',
    });
  });

  it('mutes and unmutes a published track: disabled here, paused on the server, told once per change', async () => {
    const { client, socket, errors } = await setUp();
    const events = muteEvents(client);
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    const track = fakeTrack('audio');
    const local = await client.publish(track);
    expect(client.localTracks).toEqual([local]);
    expect(local.muted).toBe(false);

    await client.setMuted(local, true);
    expect(local.muted).toBe(true);
    expect(track.enabled).toBe(false);
    await client.setMuted(local, true);
    expect(pauses(socket)).toEqual([[local.producerId, true]]);

    await client.setMuted(local, false);
    expect(local.muted).toBe(false);
    expect(track.enabled).toBe(true);
    expect(pauses(socket)).toEqual([
      [local.producerId, true],
      [local.producerId, false],
    ]);
    expect(events).toEqual([
      ['audio', true, 'self'],
      ['audio', false, 'self'],
    ]);
    expect(errors).toEqual([]);
  });

  it("follows a host's mute on the tracks of that kind, and leaves unmuting to the participant", async () => {
    const { client, socket, errors } = await setUp();
    const events = muteEvents(client);
    const byHost: string[] = [];
    client.on('mutedbyhost', (kind) => byHost.push(kind));
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    const microphone = await client.publish(fakeTrack('audio'));
    const camera = await client.publish(fakeTrack('video'));

    socket.push('mutedByHost', { kind: 'audio' });
    await until(() => events.length === 1);
    expect(byHost).toEqual(['audio']);
    expect(events).toEqual([['audio', true, 'host']]);
    expect([microphone.muted, microphone.track.enabled]).toEqual([true, false]);
    expect([camera.muted, camera.track.enabled]).toEqual([false, true]);
    expect(pauses(socket)).toEqual([[microphone.producerId, true]]);

    await client.setMuted(microphone, false);
    expect(microphone.track.enabled).toBe(true);
    expect(pauses(socket).at(-1)).toEqual([microphone.producerId, false]);
    expect(events.at(-1)).toEqual(['audio', false, 'self']);
    expect(errors).toEqual([]);
  });

  it('keeps a muted track muted when it is produced again after a media reset', async () => {
    const { client, socket, errors } = await setUp();
    await client.connect('token');
    await client.join({ consultationId: 'consultation-1' });
    const camera = await client.publish(fakeTrack('video'));
    await client.setMuted(camera, true);
    const before = camera.producerId;

    socket.push('mediaReset', { reason: 'worker-died' });
    await until(() => pauses(socket).length === 2);
    expect(camera.producerId).not.toBe(before);
    expect(pauses(socket)).toEqual([
      [before, true],
      [camera.producerId, true],
    ]);
    expect([camera.muted, camera.track.enabled]).toEqual([true, false]);
    expect(errors).toEqual([]);
  });

  it('sends the host requests mute, remove and end, only in the call', async () => {
    const { client, socket } = await setUp();
    await client.connect('token');
    expect((await rejection(client.mute('bo', 'audio'))).code).toBe('invalid-state');
    await client.join({ consultationId: 'consultation-1' });
    await client.mute('bo', 'video');
    await client.remove('bo');
    await client.end();
    expect(
      socket.sent
        .filter((r) => ['mute', 'remove', 'end'].includes(r.method))
        .map((r) => [r.method, r.params]),
    ).toEqual([
      ['mute', { participantId: 'bo', kind: 'video' }],
      ['remove', { participantId: 'bo' }],
      ['end', {}],
    ]);
  });

  describe('samplePlaintextFrames (a test hook)', () => {
    const scope = globalThis as { SKJERM_TEST_HOOKS?: boolean };
    afterEach(() => {
      delete scope.SKJERM_TEST_HOOKS;
    });

    it('is unsupported in a build without test hooks, and the worker is never asked', async () => {
      const { client, worker } = await setUp();
      await client.connect('token');
      await client.join({ consultationId: 'consultation-1' });
      expect((await rejection(client.samplePlaintextFrames(5))).code).toBe('unsupported');
      expect(worker.types()).not.toContain('sample-plaintext');
    });

    it('asks the E2EE worker for plaintext frames and returns them, with test hooks', async () => {
      scope.SKJERM_TEST_HOOKS = true;
      const { client, worker } = await setUp();
      await client.connect('token');
      await client.join({ consultationId: 'consultation-1' });
      const sampling = client.samplePlaintextFrames(2);
      await until(() => worker.types().includes('sample-plaintext'));
      const request = worker.posted.at(-1) as { requestId: number; count: number };
      expect(request.count).toBe(2);
      const frames = [Uint8Array.of(1, 2), Uint8Array.of(3)];
      worker.reply({ type: 'plaintext-sample', requestId: request.requestId, frames });
      await expect(sampling).resolves.toEqual(frames);
    });
  });
});
