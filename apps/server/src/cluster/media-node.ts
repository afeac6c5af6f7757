import websocket from '@fastify/websocket';
import fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.ts';
import { metricsRoutes } from '../http/metrics-routes.ts';
import { defaultSFrameGuardOptions } from '../media/sframe-guard.ts';
import { WorkerPool } from '../media/worker-pool.ts';
import { ServerMetrics } from '../metrics/metrics.ts';
import { httpLogger } from '../server.ts';
import { MediaNodeAnnouncer } from './media-node-announcer.ts';
import { MediaNodeService } from './media-node-service.ts';
import { MAX_RPC_MESSAGE_BYTES } from './media-rpc.ts';
import { closeRedis, connectRedis } from './redis-client.ts';

/** Participants per worker a media node takes by default (see SKJERM_MEDIA_CAPACITY). */
const PARTICIPANTS_PER_WORKER = 50;

/**
 * A media node (SKJERM_ROLE=media): mediasoup workers, the media RPC, `/healthz` and
 * `/metrics` (plain HTTP, private network) on the cluster address, and its entry in the Redis
 * registry, refreshed every second
 * with its load. It serves no clients' HTTPS: browsers reach it only with media (ICE,
 * DTLS-SRTP) on its media ports. Redis being away does not stop it: calls keep their media
 * and the registry entry comes back with Redis.
 */
export class MediaNode {
  readonly nodeId: string;
  readonly workers: WorkerPool;
  readonly service: MediaNodeService;
  readonly #http: FastifyInstance;
  readonly #announcer: MediaNodeAnnouncer;
  readonly #redis: Redis;
  readonly #log: Logger;
  #closed = false;

  private constructor(parts: {
    nodeId: string;
    workers: WorkerPool;
    service: MediaNodeService;
    http: FastifyInstance;
    announcer: MediaNodeAnnouncer;
    redis: Redis;
    log: Logger;
  }) {
    this.nodeId = parts.nodeId;
    this.workers = parts.workers;
    this.service = parts.service;
    this.#http = parts.http;
    this.#announcer = parts.announcer;
    this.#redis = parts.redis;
    this.#log = parts.log;
  }

  static async start(config: ServerConfig, log: Logger): Promise<MediaNode> {
    const { cluster } = config;
    if (config.role !== 'media' || !cluster) throw new Error('not configured as a media node');
    const workers = await WorkerPool.start({
      size: config.mediaWorkers,
      log: log.child({ component: 'media' }),
      webRtc: config.media,
    });
    const service = new MediaNodeService({
      nodeId: cluster.nodeId,
      secret: cluster.secret,
      pool: workers,
      log: log.child({ component: 'media' }),
      room: {
        guard: { ...defaultSFrameGuardOptions, resampleIntervalMs: config.sframeRecheckMs },
        plainRtpIp: config.media.plainRtp ? config.media.listenIp : undefined,
        pipeIp: cluster.address,
      },
    });
    const http = fastify({ loggerInstance: httpLogger(log) });
    let redis: Redis | undefined;
    try {
      await http.register(websocket, { options: { maxPayload: MAX_RPC_MESSAGE_BYTES } });
      http.get('/rpc', { websocket: true }, (socket) => service.attach(socket));
      // The same metrics as any Skjerm process: its workers and what its rooms carry.
      await http.register(metricsRoutes, {
        metrics: new ServerMetrics(workers, service),
        token: config.metricsToken,
      });
      http.get('/healthz', async (_request, reply) => {
        const probed = await workers.probe().catch(() => []);
        return reply.code(probed.length > 0 ? 200 : 503).send({ workers: probed.length });
      });
      await http.listen({ host: cluster.address, port: cluster.port });
      const address = http.server.address();
      const port = typeof address === 'object' && address ? address.port : cluster.port;
      const host = cluster.address.includes(':') ? `[${cluster.address}]` : cluster.address;
      redis = connectRedis(cluster.redisUrl, log.child({ component: 'redis' }));
      const announcer = new MediaNodeAnnouncer({
        redis,
        log: log.child({ component: 'registry' }),
        nodeId: cluster.nodeId,
        rpcUrl: `ws://${host}:${port}/rpc`,
        capacity: cluster.capacity ?? PARTICIPANTS_PER_WORKER * config.mediaWorkers,
        load: () => service.load(),
        onMoveAway: () => service.moveAway(),
      });
      await announcer.start();
      const node = new MediaNode({
        nodeId: cluster.nodeId,
        workers,
        service,
        http,
        announcer,
        redis,
        log,
      });
      log.info({ nodeId: cluster.nodeId, rpc: `${host}:${port}` }, 'media node is listening');
      return node;
    } catch (error) {
      service.closeAll();
      workers.close();
      await http.close().catch(() => undefined);
      if (redis) await closeRedis(redis);
      throw error;
    }
  }

  /** Leaves the registry first (no new placements), then ends its rooms and workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#log.info('media node shutting down');
    await this.#announcer.stop();
    this.service.closeAll();
    await this.#http.close();
    this.workers.close();
    await closeRedis(this.#redis);
    this.#log.info('stopped');
  }
}
