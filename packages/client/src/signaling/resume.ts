import { PROTOCOL_VERSION, type RequestResult } from '@skjerm/protocol';
import { SkjermClientError } from '../errors.ts';
import { SignalingConnection, type SignalingConnectionOptions } from './signaling-connection.ts';

/**
 * How long a dropped session may take to come back. The server keeps the place of a session
 * whose connection dropped for 9 s (apps/server signaling/session.ts,
 * RESUME_GRACE_AFTER_DROP_MS); the client stops trying a little before that, since the last
 * attempt's hello must still arrive in time.
 */
export const RESUME_WINDOW_MS = 8_500;
const RETRY_DELAY_MS = 250;

/** Close codes of a connection ended on purpose (RFC 6455 §7.4.1): nothing to resume. */
export const DELIBERATE_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001]);

export interface ResumeOptions extends SignalingConnectionOptions {
  readonly url: string;
  readonly token: string;
  readonly resumeToken: string;
  readonly windowMs?: number;
}

/**
 * Reconnects after a dropped connection and says hello with the previous session's resume
 * token, retrying until the window closes. Resolves with the new connection and the hello
 * result, whose `resumed` says whether the server gave the session back; rejects with
 * 'connection-failed' when no connection could be made in time.
 */
export async function reconnectAndResume(
  options: ResumeOptions,
): Promise<{ signaling: SignalingConnection; hello: RequestResult<'hello'> }> {
  const deadline = Date.now() + (options.windowMs ?? RESUME_WINDOW_MS);
  let lastError: unknown;
  while (Date.now() < deadline) {
    let signaling: SignalingConnection | undefined;
    try {
      signaling = await SignalingConnection.connect(options.url, {
        ...options,
        openTimeoutMs: Math.max(1, deadline - Date.now()),
      });
      const hello = await signaling.request(
        'hello',
        { protocolVersion: PROTOCOL_VERSION, token: options.token, resume: options.resumeToken },
        Math.max(1, deadline - Date.now()),
      );
      return { signaling, hello };
    } catch (error) {
      lastError = error;
      signaling?.close();
      // A refused hello (say, an expired token) will not get better by retrying.
      if (error instanceof SkjermClientError && error.code === 'request-failed') break;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
  throw new SkjermClientError('connection-failed', 'could not resume the session in time', {
    cause: lastError,
  });
}
