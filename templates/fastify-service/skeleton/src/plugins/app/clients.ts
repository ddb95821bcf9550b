import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { PricingClient } from '../../clients/pricing.ts';
import { ResilientHttpClient, breakerStateValue } from '../../clients/resilient-http.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Typed clients for other services; each is present only when its base URL is configured. */
    clients: { pricing?: PricingClient };
  }
}

/**
 * Outbound clients. Each circuit breaker's state is the gauge `circuit_breaker_state{name}` (0 closed, 1 open,
 * 2 half-open) and the readiness check `<name>:circuit`, which is `warn` while the circuit is open: the service
 * is degraded, not down, so it stays in the load balancer.
 */
export default fp(
  async (app) => {
    const state = new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state per dependency: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['name'] as const,
      registers: [app.metrics],
    });
    const clients: FastifyClients = {};
    const url = app.config.PRICING_API_URL;
    if (url !== undefined) {
      const http = new ResilientHttpClient({
        name: 'pricing',
        baseUrl: url,
        timeoutMs: app.config.PRICING_TIMEOUT_MS,
        retries: app.config.PRICING_RETRIES,
        breakerThreshold: app.config.PRICING_BREAKER_THRESHOLD,
        halfOpenAfterMs: app.config.PRICING_BREAKER_HALF_OPEN_MS,
        onStateChange: (next) => {
          state.set({ name: 'pricing' }, breakerStateValue(next));
          app.log.warn({ dependency: 'pricing', state: next }, 'circuit breaker state changed');
        },
      });
      state.set({ name: 'pricing' }, breakerStateValue(http.state));
      clients.pricing = new PricingClient(http);
      app.health.addCheck('pricing:circuit', 'component', () => {
        const current = http.state;
        return Promise.resolve({ status: current === 'closed' ? 'pass' : 'warn', output: current });
      });
    }
    app.decorate('clients', clients);
  },
  { name: 'clients', dependencies: ['health', 'metrics'] },
);

type FastifyClients = { pricing?: PricingClient };
