import { type Context, trace } from '@opentelemetry/api';
import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import { pino } from 'pino';
import type { Config } from '../config.ts';

/** Adds the active trace and span ids to every log line written inside a traced request. */
export function traceMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

function resolvable(module: string): boolean {
  try {
    import.meta.resolve(module);
    return true;
  } catch {
    return false;
  }
}

function destination(config: Config) {
  // `npm run dev`: readable lines, at once (pino-pretty runs in pino's transport worker). It is a devDependency:
  // where it is not installed (a production image started without NODE_ENV), the JSON lines below.
  if (config.NODE_ENV === 'development' && resolvable('pino-pretty')) {
    return {
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    };
  }
  if (config.NODE_ENV === 'test') return {};
  // Buffered, asynchronous writes to stdout (sonic-boom): a synchronous write per line was the largest single
  // cost of the access log under load. pino flushes the buffer on exit; a hard crash can lose the last 4 KiB.
  return { stream: pino.destination({ sync: false, minLength: 4096 }) };
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.NODE_ENV === 'test' && config.LOG_LEVEL === 'info' ? 'silent' : config.LOG_LEVEL,
    base: { service: config.serviceName, version: config.serviceVersion },
    mixin: traceMixin,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
    ...destination(config),
  };
}

// Present only when telemetry.ts registered @fastify/otel (not in unit tests).
type OtelRequest = Omit<FastifyRequest, 'opentelemetry'> & {
  opentelemetry?: () => { context: Context | null };
};

/**
 * Fastify's request logging, replaced by ONE access-log line per request (Fastify's default writes two: incoming
 * and completed), written when the response has been sent, with `reqId` and the request's trace and span ids.
 * Probes (/health, /ready, /metrics) are not logged. Passed to Fastify as `logController` (Fastify 5's
 * replacement for the deprecated `disableRequestLogging` / `requestIdLogLabel` options).
 */
export class AccessLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'reqId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // Fastify builds a new routeOptions object on every access: read it once.
    const { config, url } = request.routeOptions;
    if (config.probe === true) return;
    const line: Record<string, unknown> = {
      method: request.method,
      url: request.url,
      route: url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    };
    // The trace mixin adds the ids while the request's context is still active (the usual case); otherwise they
    // come from the context @fastify/otel kept on the request.
    if (trace.getActiveSpan() === undefined) {
      const context = (request as OtelRequest).opentelemetry?.().context;
      const span = context ? trace.getSpan(context) : undefined;
      if (span !== undefined) {
        const { traceId, spanId } = span.spanContext();
        line.trace_id = traceId;
        line.span_id = spanId;
      }
    }
    if (error) request.log.error({ ...line, err: error }, 'request errored');
    else request.log.info(line, 'request completed');
  }
}
