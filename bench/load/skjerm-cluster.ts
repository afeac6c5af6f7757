import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { type RedisServer, startRedis } from '../../tests/support/redis-server.ts';
import { sleep } from '../measure/window.ts';
import type { SkjermEndpoint } from './skjerm-driver.ts';
import { MediaNodeProcess, SkjermProcess, withTimeout } from './skjerm-process.ts';

/** A media node's load as it last wrote it to the registry (heartbeat every second). */
export interface MediaNodeLoad {
  participants: number;
  consumers: number;
}

/**
 * Skjerm scaled out on this machine, every part its own process on 127.0.0.1: redis-server
 * (loopback, no persistence), `mediaNodes` media nodes (`SKJERM_ROLE=media`, one worker each)
 * and one signaling node (`SKJERM_ROLE=signaling`) that clients talk to and that places each
 * participant on the least-loaded media node. The nodes' participant cap is lifted
 * (`SKJERM_MEDIA_CAPACITY`), so what ends a ramp is media, not the admission limit.
 */
export class SkjermCluster implements SkjermEndpoint {
  readonly signaling: SkjermProcess;
  readonly mediaNodes: readonly MediaNodeProcess[];
  readonly #redis: RedisServer;

  private constructor(
    redis: RedisServer,
    mediaNodes: MediaNodeProcess[],
    signaling: SkjermProcess,
  ) {
    this.#redis = redis;
    this.mediaNodes = mediaNodes;
    this.signaling = signaling;
  }

  get url(): string {
    return this.signaling.url;
  }

  get certificate(): string {
    return this.signaling.certificate;
  }

  get pid(): number {
    return this.signaling.pid;
  }

  /** The first media node's worker (ControlPlane has one; the scale-out scenario meters all). */
  get workerPid(): number {
    return this.mediaNodes[0]?.workerPid ?? -1;
  }

  /** `env` holds the signaling node's own settings (the issuer's). */
  static async start(mediaNodes: number, env: Record<string, string>): Promise<SkjermCluster> {
    const redis = await startRedis();
    const started: { stop(): Promise<void> }[] = [];
    try {
      // Fresh per run: signaling and media nodes prove it to each other; never printed.
      const secret = randomBytes(24).toString('base64url');
      const shared = { SKJERM_REDIS_URL: redis.url, SKJERM_CLUSTER_SECRET: secret };
      const launches = await Promise.allSettled(
        Array.from({ length: mediaNodes }, (_, i) =>
          MediaNodeProcess.start(`media-${i + 1}`, {
            ...shared,
            SKJERM_CLUSTER_ADDRESS: '127.0.0.1',
            SKJERM_CLUSTER_PORT: '0',
            SKJERM_MEDIA_CAPACITY: String(MEDIA_NODE_CAPACITY),
          }),
        ),
      );
      const nodes = launches.flatMap((launch) =>
        launch.status === 'fulfilled' ? [launch.value] : [],
      );
      started.push(...nodes);
      const failed = launches.find((launch) => launch.status === 'rejected');
      if (failed) throw failed.reason;
      const signaling = await SkjermProcess.start({
        ...env,
        ...shared,
        SKJERM_ROLE: 'signaling',
        SKJERM_NODE_ID: 'signaling-1',
      });
      started.push(signaling);
      const cluster = new SkjermCluster(redis, nodes, signaling);
      await withTimeout(cluster.#registered(), 10_000, 'media nodes registering in Redis');
      return cluster;
    } catch (error) {
      await Promise.all(started.map((part) => part.stop().catch(() => undefined)));
      await redis.stop();
      throw error;
    }
  }

  /** Every media node's load from the registry; a node missing from it is left out. */
  async loads(): Promise<Map<string, MediaNodeLoad>> {
    const loads = new Map<string, MediaNodeLoad>();
    await Promise.all(
      this.mediaNodes.map(async ({ nodeId }) => {
        const { stdout } = await run('redis-cli', [
          '-h',
          '127.0.0.1',
          '-p',
          String(this.#redis.port),
          '--raw',
          'GET',
          `skjerm:media:node:${nodeId}`,
        ]);
        const record = parseRecord(stdout);
        if (record) loads.set(nodeId, record);
      }),
    );
    return loads;
  }

  /** Signaling node first (clients go), then the media nodes, then Redis. */
  async stop(): Promise<void> {
    await this.signaling.stop().catch(() => undefined);
    await Promise.all(this.mediaNodes.map((node) => node.stop().catch(() => undefined)));
    await this.#redis.stop();
  }

  async #registered(): Promise<void> {
    while ((await this.loads()).size < this.mediaNodes.length) await sleep(100);
  }
}

/** Participants per media node before placement goes elsewhere: far above what a ramp reaches. */
const MEDIA_NODE_CAPACITY = 10_000;

const run = promisify(execFile);

function parseRecord(text: string): MediaNodeLoad | undefined {
  try {
    const { load } = JSON.parse(text) as { load?: Partial<MediaNodeLoad> };
    return { participants: Number(load?.participants), consumers: Number(load?.consumers) };
  } catch {
    return undefined;
  }
}
