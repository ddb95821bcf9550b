import fp from 'fastify-plugin';

/**
 * Echoes the request id to the caller (`x-request-id`), so one id follows a request across services and logs.
 * The access log line itself (one per request, with reqId, trace_id and span_id) is written by
 * `AccessLogController` in src/lib/logger.ts, Fastify's own request-logging hook, which needs no extra hook.
 */
export default fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
  },
  { name: 'request-log' },
);
