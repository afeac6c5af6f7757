import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from '../config/config-error.ts';

/**
 * The TURN settings, keyed by environment variable; the server spreads these properties into
 * its configuration schema (and README's table). Cross-field rules live in readTurnConfig.
 */
export const turnConfigSchema = Type.Object({
  SKJERM_TURN_URLS: Type.String({
    default: '',
    description:
      'Comma-separated TURN URLs handed to clients (turn:host:3478?transport=udp, turns:host:5349?transport=tcp); empty = no TURN.',
  }),
  SKJERM_TURN_SECRET: Type.String({
    default: '',
    description:
      "Shared secret of the TURN servers (coturn's static-auth-secret), at least 32 characters; required with SKJERM_TURN_URLS, never logged.",
  }),
  SKJERM_TURN_TTL_SECONDS: Type.Integer({
    default: 43200,
    minimum: 600,
    maximum: 604800,
    description:
      'Lifetime of the TURN credentials given with each media transport; the TURN server checks it on every allocation refresh, so it must outlast the longest call.',
  }),
});

export interface TurnConfig {
  /** turn: and turns: URLs (RFC 7065), in the order clients should try them. */
  readonly urls: readonly string[];
  /** The shared secret; held here only to be given to TurnCredentials. */
  readonly secret: string;
  readonly ttlSeconds: number;
}

/** Fewer than this many characters of secret can be guessed offline from one credential. */
const MIN_SECRET_LENGTH = 32;

/** At most this many URLs (the protocol's bound on one ICE server entry). */
const MAX_URLS = 8;

/**
 * RFC 7065 §3.1: turn(s):host[:port][?transport=udp|tcp]; the host is a name, an IPv4
 * address or a bracketed IPv6 address.
 */
const turnUrlPattern =
  /^turns?:(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:\?transport=(?:udp|tcp))?$/;

/**
 * The TURN settings, or undefined when no TURN URL is set. Messages never contain the
 * secret: a bad secret is described by its length only.
 */
export function readTurnConfig(raw: Static<typeof turnConfigSchema>): TurnConfig | undefined {
  const urls = raw.SKJERM_TURN_URLS.split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (urls.length === 0) return undefined;
  if (urls.length > MAX_URLS) {
    throw new ConfigError('SKJERM_TURN_URLS', `has ${urls.length} URLs: at most ${MAX_URLS}`);
  }
  for (const url of urls) {
    if (!turnUrlPattern.test(url)) {
      throw new ConfigError(
        'SKJERM_TURN_URLS',
        `contains ${JSON.stringify(url)}: expected turn:host[:port][?transport=udp|tcp] or turns:...`,
      );
    }
  }
  const secret = raw.SKJERM_TURN_SECRET;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      'SKJERM_TURN_SECRET',
      secret
        ? `is ${secret.length} characters long: at least ${MIN_SECRET_LENGTH} are needed (openssl rand -base64 32)`
        : 'must be set when SKJERM_TURN_URLS is',
    );
  }
  return { urls, secret, ttlSeconds: raw.SKJERM_TURN_TTL_SECONDS };
}
