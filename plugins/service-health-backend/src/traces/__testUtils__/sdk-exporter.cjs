// @ts-nocheck
/*
 * Makes spans with the real OpenTelemetry SDK and exports them with the real
 * OTLP/HTTP exporters (JSON or protobuf), in a process of its own, as a
 * service would. Used by embedded.test.ts: the exporters load `node:http`
 * with a dynamic import(), which jest's module VM does not allow.
 *
 * Input (argv[2], JSON): { url, token?, protocol: 'json'|'protobuf',
 *   compression?: 'gzip'|'none', batches: [{ serviceName, traces, linked? }] }
 * `linked`: each trace's published message is also consumed, in a trace of
 * its own whose root span links to the publishing span (OTLP span links).
 * Output (stdout, JSON): { results: [{ code, error? }], spans: [...] }
 */
const {
  context,
  SpanKind,
  SpanStatusCode,
  trace: otelTrace,
} = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} = require('@opentelemetry/sdk-trace-base');

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

function makeSpans(serviceName, count, linked) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': serviceName,
      'service.version': '1.2.3',
      'deployment.environment.name': 'production',
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('service-health-test', '0.0.1');
  for (let i = 0; i < count; i++) {
    const root = tracer.startSpan('GET /v1/items/:id', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/v1/items/:id',
        'http.response.status_code': 500,
        'app.flags': ['a', 'b'],
        'app.ratio': 0.25,
        'app.cached': false,
      },
    });
    const ctx = otelTrace.setSpan(context.active(), root);
    const query = tracer.startSpan(
      'pg.query:SELECT',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } },
      ctx,
    );
    query.addEvent('retry', { attempt: 2 });
    query.recordException(new Error('connection reset'));
    query.setStatus({
      code: SpanStatusCode.ERROR,
      message: 'connection reset',
    });
    query.end();
    const publish = tracer.startSpan(
      'items.changed publish',
      { kind: SpanKind.PRODUCER },
      ctx,
    );
    publish.setStatus({ code: SpanStatusCode.OK });
    publish.end();
    if (linked) {
      // A new trace (no parent), linked to the message's producer.
      const consume = tracer.startSpan(
        'items.changed process',
        {
          kind: SpanKind.CONSUMER,
          root: true,
          links: [
            {
              context: publish.spanContext(),
              attributes: { 'messaging.operation.type': 'process' },
            },
          ],
        },
        context.active(),
      );
      consume.end();
    }
    root.setStatus({ code: SpanStatusCode.ERROR });
    root.end();
  }
  return memory.getFinishedSpans();
}

async function main() {
  const input = JSON.parse(process.argv[2]);
  const { OTLPTraceExporter } =
    input.protocol === 'protobuf'
      ? require('@opentelemetry/exporter-trace-otlp-proto')
      : require('@opentelemetry/exporter-trace-otlp-http');
  const exporter = new OTLPTraceExporter({
    url: input.url,
    headers: input.token ? { Authorization: `Bearer ${input.token}` } : {},
    compression: input.compression ?? 'none',
  });
  const results = [];
  const spans = [];
  for (const batch of input.batches) {
    const made = makeSpans(batch.serviceName, batch.traces, batch.linked);
    const result = await new Promise(resolve => exporter.export(made, resolve));
    results.push({
      code: result.code,
      ...(result.error ? { error: String(result.error) } : {}),
    });
    for (const s of made) {
      spans.push({
        batch: results.length - 1,
        serviceName: batch.serviceName,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId,
        name: s.name,
        kind: KINDS[s.kind],
        links: (s.links ?? []).map(l => ({
          traceId: l.context.traceId,
          spanId: l.context.spanId,
          attributes: l.attributes,
        })),
        startTime: s.startTime,
        duration: s.duration,
      });
    }
  }
  await exporter.shutdown();
  process.stdout.write(JSON.stringify({ results, spans }));
}

main().catch(e => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
