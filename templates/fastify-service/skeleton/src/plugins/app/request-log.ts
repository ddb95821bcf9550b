import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

// Present only when telemetry.ts registered @fastify/otel (not in unit tests).
type OtelRequest = Omit<FastifyRequest, 'opentelemetry'> & {
  opentelemetry?: () => { span: { spanContext(): { traceId: string; spanId: string } } | null };
};

/**
 * One access log line per request (pino's default writes two), plus the request id echoed to the caller.
 * The line is written after the response, outside the request's trace context, so the trace and span ids
 * come from the span that @fastify/otel attached to the request (when tracing is on).
 */
export default fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });

    app.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.config.probe === true) {
        done();
        return;
      }
      const line: Record<string, unknown> = {
        method: request.method,
        url: request.url,
        route: request.routeOptions.url,
        statusCode: reply.statusCode,
        responseTime: reply.elapsedTime,
      };
      const span = (request as OtelRequest).opentelemetry?.().span;
      if (span) {
        const { traceId, spanId } = span.spanContext();
        line.trace_id = traceId;
        line.span_id = spanId;
      }
      request.log.info(line, 'request completed');
      done();
    });
  },
  { name: 'request-log' },
);
