import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics/metrics.ts';

export async function metricsRoutes(app: FastifyInstance, options: { metrics: ServerMetrics }) {
  const { registry } = options.metrics;
  app.get('/metrics', async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
