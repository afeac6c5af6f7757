import { hostname } from 'node:os';
import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from '../config/config-error.ts';

/**
 * The scale-out settings, keyed by environment variable; the server spreads these into its
 * configuration schema (and README's table). The default role, `all`, needs none of them.
 */
export const clusterConfigSchema = Type.Object({
  SKJERM_ROLE: Type.Union([Type.Literal('all'), Type.Literal('signaling'), Type.Literal('media')], {
    default: 'all',
    description:
      'all = one process does everything (no Redis); signaling = HTTPS/WSS, sign-in and consultations, media on media nodes; media = mediasoup workers only, placed and driven by signaling nodes through Redis and RPC.',
  }),
  SKJERM_NODE_ID: Type.String({
    default: '',
    description:
      "This node's name in the cluster (letters, digits, '.', '_', '-'); empty = host name + role + port.",
  }),
  SKJERM_REDIS_URL: Type.String({
    default: 'redis://127.0.0.1:6379',
    minLength: 1,
    description:
      'Redis holding the media node registry (signaling and media roles); a password in it is never logged.',
  }),
  SKJERM_CLUSTER_SECRET: Type.String({
    default: '',
    description:
      'Shared secret signaling nodes prove to media nodes (at least 32 characters; signaling and media roles); never logged.',
  }),
  SKJERM_CLUSTER_ADDRESS: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description:
      "A media node's address on the cluster network: its RPC listener binds to it and its pipes to other media nodes use it. Keep it private.",
  }),
  SKJERM_CLUSTER_PORT: Type.Integer({
    default: 8444,
    minimum: 0,
    maximum: 65535,
    description: "A media node's RPC port on SKJERM_CLUSTER_ADDRESS (0 picks a free port).",
  }),
  SKJERM_MEDIA_CAPACITY: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 1000000,
    description:
      'Participants a media node takes before placement goes elsewhere; 0 = 50 per worker.',
  }),
});

export type Role = Static<typeof clusterConfigSchema>['SKJERM_ROLE'];

export interface ClusterConfig {
  nodeId: string;
  redisUrl: string;
  secret: string;
  address: string;
  port: number;
  /** undefined = 50 per worker. */
  capacity: number | undefined;
}

const MIN_SECRET_LENGTH = 32;
const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The cluster settings for the signaling and media roles; undefined for `all`. */
export function readClusterConfig(
  raw: Static<typeof clusterConfigSchema>,
  port: number,
): ClusterConfig | undefined {
  if (raw.SKJERM_ROLE === 'all') return undefined;
  const secret = raw.SKJERM_CLUSTER_SECRET;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      'SKJERM_CLUSTER_SECRET',
      secret
        ? `is ${secret.length} characters long: at least ${MIN_SECRET_LENGTH} are needed (openssl rand -base64 32)`
        : `must be set for SKJERM_ROLE=${raw.SKJERM_ROLE}`,
    );
  }
  const ownPort = raw.SKJERM_ROLE === 'media' ? raw.SKJERM_CLUSTER_PORT : port;
  const nodeId =
    raw.SKJERM_NODE_ID ||
    `${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${raw.SKJERM_ROLE}-${ownPort}`.slice(0, 64);
  if (!nodeIdPattern.test(nodeId)) {
    throw new ConfigError(
      'SKJERM_NODE_ID',
      `is ${JSON.stringify(nodeId)}: use 1-64 letters, digits, '.', '_' or '-'`,
    );
  }
  if (!/^rediss?:\/\//.test(raw.SKJERM_REDIS_URL)) {
    throw new ConfigError('SKJERM_REDIS_URL', 'must start with redis:// or rediss://');
  }
  return {
    nodeId,
    redisUrl: raw.SKJERM_REDIS_URL,
    secret,
    address: raw.SKJERM_CLUSTER_ADDRESS,
    port: raw.SKJERM_CLUSTER_PORT,
    capacity: raw.SKJERM_MEDIA_CAPACITY || undefined,
  };
}
