import { describe, expect, it } from 'vitest';
import { SkjermClientError } from '../errors.ts';
import { FakeSocket, openingSocket } from '../test-helpers.fixture.ts';
import { type Notification, SignalingConnection } from './signaling-connection.ts';

const HELLO = {
  protocolVersion: 1,
  sessionId: 's-1',
  name: 'Dr. Kari Nordmann',
  role: 'clinician',
  resumeToken: 'r'.repeat(43),
};

async function connected(requestTimeoutMs = 1000) {
  const socket = new FakeSocket();
  const connection = await SignalingConnection.connect('wss://skjerm.test/ws', {
    createSocket: openingSocket(socket),
    requestTimeoutMs,
  });
  return { socket, connection };
}

async function failure(promise: Promise<unknown>): Promise<SkjermClientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkjermClientError);
    return error as SkjermClientError;
  }
  throw new Error('expected a rejection');
}

describe('SignalingConnection', () => {
  it('matches each response to its request by id, even when answers arrive out of order', async () => {
    const { socket, connection } = await connected();
    const hello = connection.request('hello', { protocolVersion: 1, token: 't' });
    const leave = connection.request('leave', {});
    const [first, second] = socket.sent;
    expect(first?.method).toBe('hello');
    expect(second?.id).not.toBe(first?.id);
    socket.receive({ id: second?.id, ok: true, result: {} });
    socket.receive({ id: first?.id, ok: true, result: HELLO });
    await expect(hello).resolves.toEqual(HELLO);
    await expect(leave).resolves.toEqual({});
  });

  it("rejects with the server's error code when a request is refused", async () => {
    const { socket, connection } = await connected();
    socket.answer = () => ({
      error: { code: 'unauthenticated', message: 'token expired', detail: 'token-expired' },
    });
    const error = await failure(connection.request('hello', { protocolVersion: 1, token: 't' }));
    expect(error.code).toBe('request-failed');
    expect(error.serverError).toEqual({
      code: 'unauthenticated',
      message: 'token expired',
      detail: 'token-expired',
    });
  });

  it('refuses a result that does not match the protocol schema instead of passing it on', async () => {
    const { socket, connection } = await connected();
    socket.answer = () => ({ result: { ...HELLO, protocolVersion: 2 } });
    const error = await failure(connection.request('hello', { protocolVersion: 1, token: 't' }));
    expect(error.code).toBe('invalid-message');
  });

  it('times a request out when the server does not answer', async () => {
    const { connection } = await connected(20);
    const error = await failure(connection.request('leave', {}));
    expect(error.code).toBe('request-timeout');
  });

  it('fails pending requests and refuses new ones once the socket closes', async () => {
    const { socket, connection } = await connected();
    const closes: number[] = [];
    connection.on('close', (code) => closes.push(code));
    const pending = connection.request('leave', {});
    socket.close(1001, 'server shutting down');
    expect((await failure(pending)).code).toBe('connection-closed');
    expect((await failure(connection.request('leave', {}))).code).toBe('connection-closed');
    expect(closes).toEqual([1001]);
    expect(connection.closed).toBe(true);
  });

  it('passes on valid notifications and drops invalid frames with a reason', async () => {
    const { socket, connection } = await connected();
    const notifications: Notification[] = [];
    const invalid: string[] = [];
    connection.on('notification', (frame) => notifications.push(frame));
    connection.on('invalidmessage', (reason) => invalid.push(reason));
    socket.push('mutedByHost', { kind: 'video' });
    socket.push('mutedByHost', { kind: 'screen' });
    socket.push('noSuchThing', {});
    socket.receive('not json');
    socket.receive({ id: 99, ok: true, result: {} });
    expect(notifications).toEqual([{ notification: 'mutedByHost', data: { kind: 'video' } }]);
    expect(invalid).toEqual([
      'an invalid mutedByHost notification',
      'an invalid noSuchThing notification',
      'a frame that is not JSON',
      'a response to no pending request (id 99)',
    ]);
  });

  it('reports connection-failed when the socket errors or closes before it opens', async () => {
    const socket = new FakeSocket();
    const connecting = SignalingConnection.connect('wss://skjerm.test/ws', {
      createSocket: () => {
        setTimeout(() => socket.fail(), 0);
        return socket;
      },
    });
    const error = await failure(connecting);
    expect(error.code).toBe('connection-failed');
    expect(error.message).toContain('wss://skjerm.test/ws');
  });
});
