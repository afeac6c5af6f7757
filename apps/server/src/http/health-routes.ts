import type { FastifyInstance } from 'fastify';
import type { WorkerPool } from '../media/worker-pool.ts';

export interface HealthRoutesOptions {
  workers: WorkerPool;
  /** True once shutdown began: the node must leave load balancers' rotation. */
  isDraining: () => boolean;
}

/**
 * Liveness asks the media workers themselves (a process that is up but whose workers all
 * died cannot carry a call); readiness also requires every worker slot filled.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions) {
  const { workers, isDraining } = options;

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
