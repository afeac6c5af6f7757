import websocket from '@fastify/websocket';
import { MAX_MESSAGE_BYTES } from '@skjerm/protocol';
import type { FastifyInstance } from 'fastify';
import { type SessionContext, SignalingSession } from './session.ts';

export interface SignalingRouteOptions {
  context: SessionContext;
  sessions: Set<SignalingSession>;
}

/** `GET /ws`: the signaling WebSocket. The token comes in the first message, not the URL. */
export async function signalingRoutes(app: FastifyInstance, options: SignalingRouteOptions) {
  // Frames up to 4x the protocol limit reach the session, which answers too-large; beyond
  // that the socket is closed (1009) without reading further.
  await app.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES * 4 } });
  app.get('/ws', { websocket: true }, (socket) => {
    const session = new SignalingSession(socket, options.context);
    options.sessions.add(session);
    socket.on('close', () => options.sessions.delete(session));
  });
}
