import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { probeRouteConfig } from '../lib/probe.ts';

/** Prometheus scrape endpoint (text exposition format 0.0.4). */
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
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      return reply.type(app.metrics.contentType).send(await app.metrics.metrics());
    },
  );
};

export default routes;
