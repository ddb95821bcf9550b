import { trace } from '@opentelemetry/api';
import type { FastifyServerOptions } from 'fastify';
import { pino } from 'pino';
import type { Config } from '../config.ts';

/** Adds the active trace and span ids to every log line written inside a traced request. */
export function traceMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.NODE_ENV === 'test' && config.LOG_LEVEL === 'info' ? 'silent' : config.LOG_LEVEL,
    base: { service: config.serviceName, version: config.serviceVersion },
    mixin: traceMixin,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
    // Buffered, asynchronous writes to stdout: a synchronous write per line was the largest single cost of
    // the access log under load. pino flushes the buffer on exit; a hard crash can lose the last 4 KiB.
    ...(config.NODE_ENV === 'test' ? {} : { stream: pino.destination({ sync: false, minLength: 4096 }) }),
  };
}
