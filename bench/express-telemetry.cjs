// The Express peer's tracing, set up the way most Node teams (and Red Hat Developer Hub's Node.js template) do:
// NodeSDK with every auto-instrumentation (http, express, pg, pino, ...) and the OTLP exporter from the standard
// env (OTEL_EXPORTER_OTLP_ENDPOINT, http/protobuf, BatchSpanProcessor). Preloaded with `node --require`.
// Metrics are prom-client's (/metrics) and logs go to stdout, so the SDK exports traces only, as the service does.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const {
  getNodeAutoInstrumentations,
} = require('@opentelemetry/auto-instrumentations-node');

const sdk = new NodeSDK({
  serviceName: 'express-peer',
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [getNodeAutoInstrumentations()],
});
sdk.start();
process.on('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
