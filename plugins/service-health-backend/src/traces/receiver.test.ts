import express from 'express';
import zlib from 'node:zlib';
import type { Span } from '@fastify-backstage/plugin-service-health-common';
import { createOtlpReceiverRouter } from './receiver';
import {
  decodeExportTraceResponse,
  decodeRpcStatus,
  encodeExportTraceRequest,
} from './protobuf';
import { startServer, testLogger } from './testUtils';
import otlpFixture from './__fixtures__/otlp-export-request.json';

function app(options: {
  tokens?: string[];
  allowUnauthenticated?: boolean;
  maxBodyBytes?: number;
  store?: (spans: Span[]) => Promise<unknown>;
}) {
  const stored: Span[] = [];
  const a = express();
  a.use(
    '/otlp',
    createOtlpReceiverRouter({
      logger: testLogger(),
      tokens: options.tokens ?? [],
      allowUnauthenticated: options.allowUnauthenticated ?? false,
      maxBodyBytes: options.maxBodyBytes,
      store:
        options.store ??
        (async spans => {
          stored.push(...spans);
        }),
    }),
  );
  return { app: a, stored };
}

const protobufBody = () => encodeExportTraceRequest(otlpFixture as any);

type Reply = { status: number; headers: Headers; raw: Buffer; body: any };

/** POSTs to the app served on a real port (supertest would re-encode Buffers sent as JSON). */
async function post(
  a: express.Express,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<Reply> {
  const server = await startServer(x => x.use(a));
  try {
    const res = await fetch(`${server.url}/otlp/v1/traces`, {
      method: 'POST',
      headers,
      body,
    });
    const raw = Buffer.from(await res.arrayBuffer());
    let parsed: any = raw;
    if (/json/.test(res.headers.get('content-type') ?? '')) {
      parsed = JSON.parse(raw.toString('utf8'));
    }
    return { status: res.status, headers: res.headers, raw, body: parsed };
  } finally {
    await server.close();
  }
}

describe('OTLP receiver', () => {
  it('answers 401 without a token when not opened, in the request encoding', async () => {
    const { app: a, stored } = app({ tokens: ['s3cret'] });
    const json = await post(
      a,
      { 'content-type': 'application/json' },
      JSON.stringify(otlpFixture),
    );
    expect(json.status).toBe(401);
    expect(json.headers.get('www-authenticate')).toBe('Bearer');
    expect(json.body).toEqual({ code: 16, message: expect.any(String) });

    const proto = await post(
      a,
      {
        'content-type': 'application/x-protobuf',
        authorization: 'Bearer wrong',
      },
      protobufBody(),
    );
    expect(proto.status).toBe(401);
    expect(proto.headers.get('content-type')).toMatch(
      /application\/x-protobuf/,
    );
    expect(decodeRpcStatus(proto.body).code).toBe(16);
    expect(stored).toHaveLength(0);
  });

  it('answers 401 to everyone when no token is configured and it is not opened', async () => {
    const { app: a } = app({});
    const res = await post(
      a,
      { 'content-type': 'application/json', authorization: 'Bearer anything' },
      '{}',
    );
    expect(res.status).toBe(401);
  });

  it('accepts a configured bearer token', async () => {
    const { app: a, stored } = app({ tokens: ['other', 's3cret'] });
    const res = await post(
      a,
      { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
      JSON.stringify(otlpFixture),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body).toEqual({});
    expect(stored).toHaveLength(4);
  });

  it('accepts exports without a token when explicitly opened', async () => {
    const { app: a, stored } = app({ allowUnauthenticated: true });
    const res = await post(
      a,
      { 'content-type': 'application/json' },
      JSON.stringify(otlpFixture),
    );
    expect(res.status).toBe(200);
    expect(stored.map(s => s.serviceName).sort()).toEqual([
      'inventory',
      'inventory',
      'orders',
      'orders',
    ]);
  });

  it('reads protobuf and gzip-compressed bodies and answers in protobuf', async () => {
    const { app: a, stored } = app({ allowUnauthenticated: true });
    const res = await post(
      a,
      { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      zlib.gzipSync(protobufBody()),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const decoded = decodeExportTraceResponse(res.body) as any;
    expect(decoded.partialSuccess ?? null).toBeNull();
    expect(stored).toHaveLength(4);

    const gzJson = await post(
      a,
      {
        'content-type': 'application/json; charset=utf-8',
        'content-encoding': 'gzip',
      },
      zlib.gzipSync(Buffer.from(JSON.stringify(otlpFixture))),
    );
    expect(gzJson.status).toBe(200);
    expect(stored).toHaveLength(8);
  });

  it('reports partial success for spans it cannot read', async () => {
    const { app: a, stored } = app({ allowUnauthenticated: true });
    const body = JSON.parse(JSON.stringify(otlpFixture));
    body.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'xyz';
    body.resourceSpans[1].scopeSpans[0].spans[0].spanId = '0000000000000000';
    const res = await post(
      a,
      { 'content-type': 'application/json' },
      JSON.stringify(body),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: expect.any(String) },
    });
    expect(stored).toHaveLength(2);

    // The same in protobuf: ids of the wrong length.
    const pb = JSON.parse(JSON.stringify(otlpFixture));
    pb.resourceSpans[0].scopeSpans[0].spans[0].spanId = 'abcd';
    const proto = await post(
      a,
      { 'content-type': 'application/x-protobuf' },
      encodeExportTraceRequest(pb),
    );
    expect(proto.status).toBe(200);
    const decoded = decodeExportTraceResponse(proto.body) as any;
    expect(Number(decoded.partialSuccess.rejectedSpans)).toBe(1);
  });

  it('answers 400 for unreadable bodies, 415 for other types, 413 over the limit', async () => {
    const { app: a } = app({ allowUnauthenticated: true, maxBodyBytes: 1024 });
    const badJson = await post(
      a,
      { 'content-type': 'application/json' },
      '{not json',
    );
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe(3);

    const badProto = await post(
      a,
      { 'content-type': 'application/x-protobuf' },
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    );
    expect(badProto.status).toBe(400);
    expect(decodeRpcStatus(badProto.body).code).toBe(3);

    const text = await post(a, { 'content-type': 'text/plain' }, 'hello');
    expect(text.status).toBe(415);

    const big = await post(
      a,
      { 'content-type': 'application/json' },
      JSON.stringify(otlpFixture),
    );
    expect(big.status).toBe(413);

    // A small compressed body that inflates past the limit is refused too.
    const bomb = await post(
      a,
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      zlib.gzipSync(Buffer.alloc(256 * 1024, 0x20)),
    );
    expect(bomb.status).toBe(413);
  });

  it('answers 503 with Retry-After when the store fails', async () => {
    const { app: a } = app({
      allowUnauthenticated: true,
      store: async () => {
        throw new Error('database down');
      },
    });
    const res = await post(
      a,
      { 'content-type': 'application/json' },
      JSON.stringify(otlpFixture),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('still works when mounted after a JSON body parser', async () => {
    const stored: Span[] = [];
    const a = express();
    a.use(express.json({ limit: '1mb' }));
    a.use(
      '/otlp',
      createOtlpReceiverRouter({
        logger: testLogger(),
        tokens: [],
        allowUnauthenticated: true,
        store: async spans => {
          stored.push(...spans);
        },
      }),
    );
    const res = await post(
      a,
      { 'content-type': 'application/json' },
      JSON.stringify(otlpFixture),
    );
    expect(res.status).toBe(200);
    expect(stored).toHaveLength(4);
  });
});
