import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { probeRouteConfig } from '../lib/probe.ts';

/**
 * Prometheus scrape endpoint: OpenMetrics 1.0 (with the latency histogram's exemplars) when the scraper asks for it,
 * as Prometheus does, otherwise the text exposition format 0.0.4.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    {
      config: probeRouteConfig,
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        response: {
          200: {
            description:
              'OpenMetrics 1.0 with exemplars when `Accept` prefers `application/openmetrics-text`, otherwise ' +
              'the Prometheus text exposition format 0.0.4',
            content: {
              'text/plain': { schema: Type.String() },
              'application/openmetrics-text': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { contentType, body } = await app.metricsExposition(request.headers.accept);
      return reply.type(contentType).send(body);
    },
  );
};

export default routes;
