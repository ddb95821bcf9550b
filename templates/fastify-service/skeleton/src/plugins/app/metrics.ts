import fp from 'fastify-plugin';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry; feature plugins register their metrics here. */
    metrics: Registry;
  }
}

/**
 * RED metrics for every routed request (probes excluded) and the default process metrics. The hooks only
 * touch in-memory counters: no per-request allocation beyond the label object.
 */
export default fp(
  async (app) => {
    // A registry per app instance keeps parallel test apps from colliding on metric names.
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    // prom-client also exports these counts as gauges named *_total, which the Prometheus naming rules (and
    // `promtool check metrics`) reserve for counters; nodejs_active_{handles,requests,resources} carry the same.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      registry.removeSingleMetric(name);
    }

    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests, by route template',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const inFlight = new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served',
      registers: [registry],
    });

    app.decorate('metrics', registry);

    app.addHook('onRequest', (request, _reply, done) => {
      if (request.routeOptions.config.probe !== true) inFlight.inc();
      done();
    });

    app.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.config.probe === true) {
        done();
        return;
      }
      inFlight.dec();
      duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  },
  { name: 'metrics' },
);
