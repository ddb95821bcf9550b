import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export { default } from '@fastify/cors';

/** Only the origins listed in CORS_ORIGINS may call the API from a browser; none by default. */
export const autoConfig = (app: FastifyInstance): FastifyCorsOptions => {
  const origins = app.config.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  return {
    origin: origins.length > 0 ? origins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['ETag', 'Location', 'X-Request-Id'],
  };
};
