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
 * Export: OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces) when set; otherwise spans still exist (ids in
 * logs, propagation downstream) but are dropped. The exporter and its BatchSpanProcessor come from the SDK's
 * standard env (OTEL_EXPORTER_OTLP_PROTOCOL, default `http/protobuf`; OTEL_BSP_SCHEDULE_DELAY,
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_MAX_QUEUE_SIZE). Protobuf, not JSON: the JSON encoding was 3-5% of the
 * CPU at full load and ~3x the bytes (see README "Performance").
 */
import { readFileSync } from 'node:fs';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK, type tracing } from '@opentelemetry/sdk-node';
import { register } from 'import-in-the-middle/register-hooks.mjs';
import { serverSpanInstrumentation } from './lib/tracing.ts';

// Modules imported from ESM can only be patched through a loader hook. This one is synchronous
// (module.registerHooks) and intercepts only the modules we instrument.
register({ include: ['http', 'https', 'node:http', 'node:https'] });

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
};

/** Keeps spans (and their ids) alive without exporting them. */
const dropSpans: tracing.SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

const exportTraces =
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? packageJson.name,
  // Exporting: the SDK builds the OTLP exporter and a BatchSpanProcessor from the standard env.
  ...(exportTraces ? {} : { spanProcessors: [dropSpans] }),
  // Metrics are served by prom-client on /metrics and logs go to stdout: the SDK exports traces only.
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [
    serverSpanInstrumentation(),
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    new UndiciInstrumentation(),
  ],
});

sdk.start();

/** Flushes buffered spans; called last during graceful shutdown. */
export function shutdownTelemetry(): Promise<void> {
  return sdk.shutdown();
}
