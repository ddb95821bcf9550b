/**
 * OpenTelemetry tracing. Loaded with `node --import ./dist/telemetry.js` so that it runs before any
 * instrumented module (http, undici) is imported.
 *
 * What is instrumented, and why (measured with --cpu-prof, see README "Performance"):
 * - @fastify/otel creates the SERVER span (named "METHOD /route/template", with http.route), extracts the
 *   incoming W3C traceparent and keeps the span active in handlers. Its per-hook and per-handler child spans
 *   are off: they multiply the span count without telling more than the server span.
 * - The http instrumentation covers OUTGOING requests only (client spans + traceparent injection). Its
 *   incoming side would create a second server span for every request, which cost more than the whole app.
 * - undici covers fetch().
 * #region feature:database
 * - Database queries are traced by the Kysely dialect wrapper in src/db/tracing.ts (one CLIENT span per query,
 *   for `pg` and the embedded PGlite alike), not by a driver instrumentation.
 * #endregion feature:database
 * - /health, /ready and /metrics opt out of tracing through their route config.
 * Sampling is the SDK's standard env: OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
 * Export: OTLP to OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces) when set; otherwise spans still exist (ids in
 * logs, propagation downstream) but are dropped. The exporter and its BatchSpanProcessor follow the SDK's
 * standard env (OTEL_EXPORTER_OTLP_PROTOCOL / OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: `http/protobuf` (default),
 * `http/json` or `grpc`; OTEL_TRACES_EXPORTER `otlp`, `console` or `none`; OTEL_BSP_SCHEDULE_DELAY,
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_MAX_QUEUE_SIZE; OTEL_SDK_DISABLED). Protobuf, not JSON: the JSON
 * encoding was 3-5% of the CPU at full load and ~3x the bytes (see README "Performance").
 *
 * The trace SDK is assembled here from its parts rather than with @opentelemetry/sdk-node's NodeSDK: NodeSDK loads
 * every exporter (gRPC, HTTP, protobuf, Zipkin, Prometheus), the metrics and logs SDKs and extra propagators whatever
 * the configuration, ~45 MiB of RSS. Only the exporter the configuration names is imported. Resource, sampler,
 * span limits and propagation (W3C trace context + baggage) are NodeSDK's defaults.
 */
import { readFileSync } from 'node:fs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { register } from 'import-in-the-middle/register-hooks.mjs';
import { serverSpanInstrumentation } from './lib/tracing.ts';

// Modules imported from ESM can only be patched through a loader hook. This one is synchronous
// (module.registerHooks) and intercepts only the modules we instrument.
register({ include: ['http', 'https', 'node:http', 'node:https'] });

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
};

const env = process.env;

/** The span exporter the standard env asks for, importing only that one; undefined: spans are not exported. */
async function exporterFromEnv(): Promise<SpanExporter | undefined> {
  const kind = (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim();
  if (kind === 'none') return undefined;
  if (kind === 'console') return new ConsoleSpanExporter();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined) return undefined;
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  ).trim();
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    default:
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

let provider: NodeTracerProvider | undefined;

if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  const exporter = await exporterFromEnv();
  // Without an exporter no processor: spans (and their ids, for logs and propagation) still exist, are dropped.
  const spanProcessors: SpanProcessor[] = exporter === undefined ? [] : [new BatchSpanProcessor(exporter)];
  provider = new NodeTracerProvider({
    resource: detectResources({ detectors: [envDetector, processDetector, hostDetector] }).merge(
      resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? packageJson.name }),
    ),
    spanProcessors,
  });
  // The AsyncLocalStorage context manager and the W3C trace-context + baggage propagator, as NodeSDK sets them.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      serverSpanInstrumentation(),
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      new UndiciInstrumentation(),
    ],
  });
}

/** Flushes buffered spans; called last during graceful shutdown. */
export function shutdownTelemetry(): Promise<void> {
  return provider?.shutdown() ?? Promise.resolve();
}
