import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from './config/config.ts';
import { healthRoutes } from './http/health-routes.ts';
import { loadTlsMaterial } from './http/tls.ts';
import { WorkerPool } from './media/worker-pool.ts';

/**
 * One Skjerm server process: the HTTPS/WSS front and the media workers behind it. Owns their
 * start and their shutdown order (stop accepting, then close workers).
 */
export class SkjermServer {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly workers: WorkerPool;
  readonly http: FastifyInstance;
  #draining = false;
  #closed = false;

  private constructor(
    config: ServerConfig,
    log: Logger,
    workers: WorkerPool,
    http: FastifyInstance,
  ) {
    this.config = config;
    this.log = log;
    this.workers = workers;
    this.http = http;
  }

  static async start(config: ServerConfig, log: Logger): Promise<SkjermServer> {
    const tls = await loadTlsMaterial(config, log);
    const workers = await WorkerPool.start({
      size: config.mediaWorkers,
      log: log.child({ component: 'media' }),
    });
    const http = fastify({
      https: { key: tls.key, cert: tls.cert },
      // pino's Logger is FastifyBaseLogger at run time; its type is only wider.
      loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
      // Signaling messages are small; anything larger is a mistake or an attack.
      bodyLimit: 256 * 1024,
      disableRequestLogging: false,
    });
    const server = new SkjermServer(config, log, workers, http);
    try {
      await http.register(healthRoutes, { workers, isDraining: () => server.#draining });
      await http.listen({ host: config.host, port: config.port });
    } catch (error) {
      workers.close();
      await http.close().catch(() => undefined);
      throw error;
    }
    log.info({ url: server.url, selfSignedCertificate: tls.selfSigned }, 'Skjerm is listening');
    return server;
  }

  /** The HTTPS origin clients use (with the port actually bound). */
  get url(): string {
    const address = this.http.server.address();
    const port = typeof address === 'object' && address ? address.port : this.config.port;
    return `https://${this.config.publicHostname}:${port}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Graceful shutdown: refuse new work, let requests finish, then stop the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#draining = true;
    this.log.info('shutting down');
    await this.http.close();
    this.workers.close();
    this.log.info('stopped');
  }
}
