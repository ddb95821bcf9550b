import { FastifyOtelInstrumentation } from '@fastify/otel';

/**
 * The SERVER span of every request, named "METHOD /route/template" with `http.route`, the caller's W3C
 * traceparent continued and the span active in handlers. Its per-hook and per-handler child spans are off: they
 * multiply the span count without telling more than the server span. Shared by src/telemetry.ts and the tests'
 * in-memory tracing, so the tests see the spans production makes.
 */
export function serverSpanInstrumentation(): FastifyOtelInstrumentation {
  return new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    instrumentHandler: false,
    requestHook: (span, request) => {
      span.updateName(`${request.method} ${request.routeOptions.url ?? ''}`.trimEnd());
    },
  });
}
