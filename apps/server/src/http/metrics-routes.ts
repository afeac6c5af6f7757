import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics/metrics.ts';

export interface MetricsRoutesOptions {
  metrics: ServerMetrics;
  /** Bearer token /metrics requires (SKJERM_METRICS_TOKEN); undefined = open. */
  token: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Prometheus metrics: counts and rates only (no names, identity numbers or consultation ids).
 * With a token configured, a scraper must present it; compared in constant time.
 */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions) {
  const { registry } = options.metrics;
  const expected = options.token === undefined ? undefined : digest(options.token);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const header = request.headers.authorization ?? '';
      const presented = /^bearer /i.test(header) ? header.slice(7).trim() : '';
      if (!timingSafeEqual(digest(presented), expected)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ code: 'unauthenticated', message: '/metrics needs its bearer token' });
      }
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
