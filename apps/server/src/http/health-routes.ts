import type { FastifyInstance } from 'fastify';
import type { WorkerPool } from '../media/worker-pool.ts';

export interface HealthRoutesOptions {
  /** This process's media workers; undefined on a signaling node. */
  workers: WorkerPool | undefined;
  /** A signaling node's media: how many media nodes could take a call now. */
  mediaNodes?: () => Promise<number>;
  /** True once shutdown began: the node must leave load balancers' rotation. */
  isDraining: () => boolean;
}

/**
 * Liveness asks the media workers themselves (a process that is up but whose workers all
 * died cannot carry a call); readiness also requires every worker slot filled. A signaling
 * node is alive when it answers and ready when some media node can take calls.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions) {
  const { workers, isDraining, mediaNodes } = options;
  if (!workers) {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const nodes = (await mediaNodes?.().catch(() => 0)) ?? 0;
      const ready = !isDraining() && nodes > 0;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : isDraining() ? 'draining' : 'no-media-nodes',
        mediaNodes: nodes,
      });
    });
    return;
  }

  app.get('/healthz', async (_request, reply) => {
    const probed = await workers.probe().catch(() => []);
    const healthy = probed.length > 0;
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'ok' : 'unavailable',
      workers: probed.map(({ slot, pid }) => ({ slot, pid })),
    });
  });

  app.get('/readyz', async (_request, reply) => {
    const alive = workers.workers.length;
    const ready = !isDraining() && alive === workers.size;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : isDraining() ? 'draining' : 'degraded',
      workersAlive: alive,
      workersWanted: workers.size,
    });
  });
}
