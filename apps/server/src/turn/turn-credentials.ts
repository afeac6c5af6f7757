import { createHmac } from 'node:crypto';
import type { IceServer } from '@skjerm/protocol';
import type { TurnConfig } from './turn-config.ts';

export interface TurnCredential {
  readonly username: string;
  readonly credential: string;
}

/**
 * A credential of the TURN REST scheme (draft-uberti-behave-turn-rest-00 §2.2, coturn's
 * `use-auth-secret`): the username is "<expiry as unix seconds>:<id>" and the password is
 * base64(HMAC-SHA1(secret, username)). The TURN server recomputes the HMAC from its copy of
 * the secret and refuses usernames whose expiry has passed, so nothing is shared between
 * Skjerm and the TURN server at run time. `id` must not contain ':' (coturn's separator).
 */
export function turnRestCredential(
  secret: string,
  id: string,
  expiresAtSeconds: number,
): TurnCredential {
  if (id.includes(':')) throw new RangeError('a TURN REST user id cannot contain ":"');
  if (!Number.isSafeInteger(expiresAtSeconds) || expiresAtSeconds < 0) {
    throw new RangeError('a TURN REST expiry is a whole number of seconds since 1970');
  }
  const username = `${expiresAtSeconds}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/**
 * Hands out the ICE servers of each media transport: the configured TURN URLs with a fresh
 * credential naming the signaling session, so a TURN server's log can be matched with
 * Skjerm's (sessionId) without naming anyone. Without TURN configured, there are none.
 */
export class TurnCredentials {
  readonly #urls: readonly string[];
  readonly #secret: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  /** `now` returns milliseconds since 1970 (tests pass a fixed clock). */
  constructor(config: TurnConfig | undefined, now: () => number = Date.now) {
    this.#urls = config?.urls ?? [];
    this.#secret = config?.secret ?? '';
    this.#ttlSeconds = config?.ttlSeconds ?? 0;
    this.#now = now;
  }

  get enabled(): boolean {
    return this.#urls.length > 0;
  }

  iceServers(sessionId: string): IceServer[] {
    if (!this.enabled) return [];
    const expiresAt = Math.floor(this.#now() / 1000) + this.#ttlSeconds;
    const { username, credential } = turnRestCredential(this.#secret, sessionId, expiresAt);
    return [{ urls: [...this.#urls], username, credential }];
  }
}
