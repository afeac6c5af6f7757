import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  type AuthConfig,
  authConfigSchema,
  isLoopbackHost,
  readAuthConfig,
} from '../auth/auth-config.ts';
import {
  type ClusterConfig,
  clusterConfigSchema,
  type Role,
  readClusterConfig,
} from '../cluster/cluster-config.ts';
import { readTurnConfig, type TurnConfig, turnConfigSchema } from '../turn/turn-config.ts';
import { ConfigError } from './config-error.ts';

export { ConfigError };

/**
 * Every setting the server reads, keyed by its environment variable. The schema is the one
 * place that names a setting, its type, its default and what it is for; README's
 * configuration table is checked against it by a test.
 */
export const configSchema = Type.Object({
  SKJERM_HOST: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description: 'Address the HTTPS/WSS listener binds to.',
  }),
  SKJERM_PORT: Type.Integer({
    default: 8443,
    minimum: 0,
    maximum: 65535,
    description: 'HTTPS/WSS port (0 picks a free port).',
  }),
  SKJERM_PUBLIC_HOSTNAME: Type.String({
    default: 'localhost',
    minLength: 1,
    description: 'Host name clients use; the self-signed certificate is made for it.',
  }),
  SKJERM_PUBLIC_PORT: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 65535,
    description:
      'Port clients use, when a proxy or load balancer listens on another one than SKJERM_PORT (e.g. 443 in front of 8443); 0 = the port Skjerm listens on. Invitation links, the web app and the embedded IdP use it.',
  }),
  SKJERM_DATA_DIR: Type.String({
    default: '.data',
    minLength: 1,
    description:
      'Folder for generated certificates and stored state (relative to the working directory).',
  }),
  SKJERM_TLS_CERT_FILE: Type.String({
    default: '',
    description: 'PEM certificate chain; empty = self-signed certificate made on first start.',
  }),
  SKJERM_TLS_KEY_FILE: Type.String({
    default: '',
    description: 'PEM private key for SKJERM_TLS_CERT_FILE.',
  }),
  SKJERM_MEDIA_WORKERS: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 256,
    description: 'mediasoup workers to run; 0 = one per CPU core.',
  }),
  SKJERM_MEDIA_LISTEN_IP: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description: 'Address the media ports (WebRTC over UDP and TCP) bind to.',
  }),
  SKJERM_MEDIA_ANNOUNCED_IP: Type.String({
    default: '',
    description:
      'Address given to clients in ICE candidates when it differs from the listen address (NAT); empty = the listen address.',
  }),
  SKJERM_MEDIA_PORT: Type.Integer({
    default: 40000,
    minimum: 1,
    maximum: 65535,
    description:
      'First media port: worker n uses this port + n for both UDP and TCP, so open as many ports as workers.',
  }),
  SKJERM_PLAIN_RTP: Type.Boolean({
    default: false,
    description:
      'Allow plain RTP transports (no ICE/DTLS) on the media listen address, for load generators and tests only; media stays SFrame-encrypted, but RTP headers are not protected.',
  }),
  ...turnConfigSchema.properties,
  SKJERM_SFRAME_RECHECK_SECONDS: Type.Integer({
    default: 30,
    minimum: 1,
    maximum: 3600,
    description:
      "Interval between samples of each producer's frames for the SFrame check (each video sample costs one key frame).",
  }),
  SKJERM_WS_MESSAGES_PER_SECOND: Type.Integer({
    default: 50,
    minimum: 1,
    maximum: 1000000,
    description:
      'Signaling messages a connection may send per second on average; beyond a burst of 4 seconds worth, requests are refused with rate-limited.',
  }),
  SKJERM_RETENTION_DAYS: Type.Integer({
    default: 30,
    minimum: 1,
    maximum: 3650,
    description:
      'Days after a consultation ends before its personal data (names, identity numbers, title) is deleted; audit entries keep only pseudonymous ids.',
  }),
  SKJERM_METRICS_TOKEN: Type.String({
    default: '',
    description:
      'Bearer token /metrics requires (Prometheus: authorization.credentials_file); empty = /metrics is open, so restrict it at the firewall or proxy. At least 32 characters; never logged.',
  }),
  SKJERM_LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
      Type.Literal(level),
    ),
    { default: 'info', description: 'pino log level.' },
  ),
  ...authConfigSchema.properties,
  ...clusterConfigSchema.properties,
});

type RawConfig = Static<typeof configSchema>;

export interface ServerConfig {
  host: string;
  port: number;
  publicHostname: string;
  /** undefined = the port actually bound. */
  publicPort: number | undefined;
  dataDir: string;
  tls: { certFile: string; keyFile: string } | undefined;
  mediaWorkers: number;
  media: { listenIp: string; announcedIp: string | undefined; portBase: number; plainRtp: boolean };
  /** TURN relays handed to clients; undefined when SKJERM_TURN_URLS is empty. */
  turn: TurnConfig | undefined;
  sframeRecheckMs: number;
  wsMessagesPerSecond: number;
  retentionDays: number;
  /** What /metrics requires as a bearer token; undefined = open. */
  metricsToken: string | undefined;
  logLevel: RawConfig['SKJERM_LOG_LEVEL'];
  auth: AuthConfig;
  role: Role;
  /** Scale-out settings (signaling and media roles); undefined for `all`. */
  cluster: ClusterConfig | undefined;
}

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const raw = readSchema(configSchema, env);
  const certFile = raw.SKJERM_TLS_CERT_FILE;
  const keyFile = raw.SKJERM_TLS_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(
      certFile ? 'SKJERM_TLS_KEY_FILE' : 'SKJERM_TLS_CERT_FILE',
      'must be set together with the other of SKJERM_TLS_CERT_FILE / SKJERM_TLS_KEY_FILE',
    );
  }
  // Plain RTP has no ICE or DTLS: whoever sends first owns a transport. Loopback only.
  if (raw.SKJERM_PLAIN_RTP && !isLoopbackHost(raw.SKJERM_MEDIA_LISTEN_IP)) {
    throw new ConfigError(
      'SKJERM_PLAIN_RTP',
      `is true, which needs SKJERM_MEDIA_LISTEN_IP on loopback, not ${raw.SKJERM_MEDIA_LISTEN_IP}`,
    );
  }
  const mediaWorkers = raw.SKJERM_MEDIA_WORKERS || availableParallelism();
  if (raw.SKJERM_MEDIA_PORT + mediaWorkers - 1 > 65535) {
    throw new ConfigError(
      'SKJERM_MEDIA_PORT',
      `is ${raw.SKJERM_MEDIA_PORT}: ${mediaWorkers} workers need ports up to ${raw.SKJERM_MEDIA_PORT + mediaWorkers - 1}`,
    );
  }
  return {
    host: raw.SKJERM_HOST,
    port: raw.SKJERM_PORT,
    publicHostname: raw.SKJERM_PUBLIC_HOSTNAME,
    publicPort: raw.SKJERM_PUBLIC_PORT === 0 ? undefined : raw.SKJERM_PUBLIC_PORT,
    dataDir: resolve(raw.SKJERM_DATA_DIR),
    tls:
      certFile && keyFile ? { certFile: resolve(certFile), keyFile: resolve(keyFile) } : undefined,
    mediaWorkers,
    media: {
      listenIp: raw.SKJERM_MEDIA_LISTEN_IP,
      announcedIp: raw.SKJERM_MEDIA_ANNOUNCED_IP || undefined,
      portBase: raw.SKJERM_MEDIA_PORT,
      plainRtp: raw.SKJERM_PLAIN_RTP,
    },
    turn: readTurnConfig(raw),
    sframeRecheckMs: raw.SKJERM_SFRAME_RECHECK_SECONDS * 1000,
    wsMessagesPerSecond: raw.SKJERM_WS_MESSAGES_PER_SECOND,
    retentionDays: raw.SKJERM_RETENTION_DAYS,
    metricsToken: readMetricsToken(raw.SKJERM_METRICS_TOKEN),
    logLevel: raw.SKJERM_LOG_LEVEL,
    auth: readAuthConfig(raw),
    role: raw.SKJERM_ROLE,
    cluster: readClusterConfig(raw, raw.SKJERM_PORT),
  };
}

/**
 * Picks the schema's variables out of the environment, applies defaults and converts strings
 * to numbers, then checks each value; an unset or empty variable takes its default.
 */
function readSchema<T extends ReturnType<typeof Type.Object>>(schema: T, env: NodeJS.ProcessEnv) {
  const picked: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties) as [string, TSchema][]) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    // Value.Convert would turn "1.5" into 1: an integer variable must be written as one.
    if (property.type === 'integer' && !/^-?\d+$/.test(value)) {
      throw new ConfigError(name, `is ${JSON.stringify(env[name])}: expected an integer`);
    }
    if (property.type === 'boolean' && value !== 'true' && value !== 'false') {
      throw new ConfigError(name, `is ${JSON.stringify(env[name])}: expected true or false`);
    }
    picked[name] = value;
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, picked));
  for (const [name, property] of Object.entries(schema.properties) as [string, TSchema][]) {
    const value = (withDefaults as Record<string, unknown>)[name];
    if (!Value.Check(property, value)) {
      const error = Value.Errors(property, value).First();
      // A choice says what may be chosen (TypeBox would say only "Expected union value").
      const choices = (property.anyOf as { const?: unknown }[] | undefined)
        ?.map((option) => option.const)
        .filter((choice) => typeof choice === 'string');
      const expected = choices?.length ? `expected one of ${choices.join(', ')}` : undefined;
      throw new ConfigError(
        name,
        `is ${JSON.stringify(env[name])}: ${expected ?? error?.message ?? 'invalid'}`,
      );
    }
  }
  return withDefaults as Static<T>;
}

/** A guessable token is no protection: refused, with its length but never its value. */
function readMetricsToken(value: string): string | undefined {
  const token = value.trim();
  if (!token) return undefined;
  if (token.length < 32) {
    throw new ConfigError(
      'SKJERM_METRICS_TOKEN',
      `must be at least 32 characters (it has ${token.length})`,
    );
  }
  return token;
}
