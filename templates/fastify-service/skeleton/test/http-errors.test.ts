import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';
// #region feature:auth
import { testToken } from './auth-support.ts';
// #endregion feature:auth

type RawResponse = { status: number; headers: Record<string, string>; body: string };

/** Sends bytes as they are (no client-side validation) and reads the response until the server closes. */
function raw(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(request);
  });
}

function expectProblem(response: RawResponse, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(response.body)).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
}

describe('errors before routing, over real HTTP', () => {
  let t: TestApp;
  let port: number;
  /** An Authorization header line when the service requires tokens. */
  const auth = { line: '' };
  beforeAll(async () => {
    t = await createTestApp({}, (app) => {
      app.post('/test/upload', async () => ({ ok: true }));
    });
    // #region feature:auth
    auth.line = `Authorization: Bearer ${await testToken(t.app)}\r\n`;
    // #endregion feature:auth
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(() => t.close());

  it('answers oversized headers with 431 problem+json', async () => {
    const big = 'x'.repeat(20_000);
    expectProblem(
      await raw(
        port,
        `GET /v1/info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${big}\r\nConnection: close\r\n\r\n`,
      ),
      431,
    );
  });

  it('answers a broken percent-escape in the path with 400 problem+json', async () => {
    expectProblem(await raw(port, 'GET /v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 400);
  });

  it("answers requests Node's parser refuses with 400 problem+json", async () => {
    expectProblem(
      await raw(port, 'GET /v1/info HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n'),
      400,
    );
    expectProblem(await raw(port, 'GET /v1/info HTTP/9.9\r\nHost: x\r\n\r\n'), 400);
  });

  it('answers TRACE and other methods on a known path with 405 and Allow, unknown paths with 404', async () => {
    const trace = await raw(port, 'TRACE /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectProblem(trace, 405);
    expect(trace.headers.allow).toContain('GET');
    expectProblem(await raw(port, 'DELETE /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 405);
    expectProblem(await raw(port, 'BREW /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 405);
    expectProblem(await raw(port, 'TRACE /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 404);
  });

  it('does not leak http_requests_in_flight when clients abort mid-request', async () => {
    const inFlight = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/^http_requests_in_flight (\d+)/m.exec(text)?.[1]);
    };
    const before = await inFlight();
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.write(
                `POST /test/upload HTTP/1.1\r\nHost: x\r\n${auth.line}Content-Type: application/json\r\n` +
                  'Content-Length: 100000\r\n\r\n{"a":',
              );
              setTimeout(() => {
                socket.destroy();
              }, 50);
            });
            socket.on('close', () => {
              resolve();
            });
            socket.on('error', () => {
              resolve();
            });
          }),
      ),
    );
    // The server sees the aborts asynchronously: poll (bounded) until the gauge is back.
    let value = await inFlight();
    for (let attempt = 0; attempt < 50 && value !== before; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = await inFlight();
    }
    expect(value).toBe(before);
  });

  it('says Connection: close on every response once shutdown stops accepting connections', async () => {
    t.app.health.closingConnections = true;
    try {
      const response = await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(response.status).toBe(200);
      expect(response.headers.connection).toBe('close');
    } finally {
      t.app.health.closingConnections = false;
    }
    const normal = await fetch(`http://127.0.0.1:${port}/health`);
    expect(normal.headers.get('connection')).toBe('keep-alive');
  });
});
