import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { problemResponses } from '../../lib/problem.ts';

const Info = Type.Object({
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
});

/** A tiny always-on route: service identity. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const info = {
    name: app.config.serviceName,
    version: app.config.serviceVersion,
    description: app.config.serviceDescription,
  };
  app.get(
    '/info',
    {
      schema: {
        tags: ['service'],
        summary: 'Service identity',
        response: { 200: Info, ...problemResponses },
      },
    },
    async () => info,
  );
};

export default routes;
