import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { serverSpanInstrumentation } from '../src/lib/tracing.ts';

export type MemoryTracing = {
  exporter: InMemorySpanExporter;
  /** The server span of a route, once ended (it ends in onSend/onResponse, possibly after inject resolved). */
  serverSpan: (route: string) => Promise<ReadableSpan>;
  stop: () => Promise<void>;
};

/**
 * Server spans made as in src/telemetry.ts (src/lib/tracing.ts), exported to memory. Start it before building the
 * app: the instrumentation hooks into Fastify instances as they are created.
 */
export function startMemoryTracing(): MemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  // W3C trace context, the SDK's default propagator in production.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const instrumentation = serverSpanInstrumentation();
  instrumentation.setTracerProvider(provider);

  return {
    exporter,
    serverSpan: async (route) => {
      for (let i = 0; i < 100; i++) {
        const span = exporter
          .getFinishedSpans()
          .find((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === route);
        if (span !== undefined) return span;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no server span for ${route}`);
    },
    stop: async () => {
      instrumentation.disable();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
