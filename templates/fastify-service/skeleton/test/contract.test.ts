import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { type TestApp, createTestApp } from './helpers.ts';
// #region feature:auth
import { testToken } from './auth-support.ts';
// #endregion feature:auth

/**
 * Contract and fuzz test: seeded, generated requests (valid ones and broken ones: NUL, null, wrong types, oversized
 * values and headers, bad percent-escapes, every method) sent over real HTTP, each response checked against the
 * OpenAPI document the service serves: no 5xx, every error problem+json, and every status, content type and body
 * one the document declares for the operation. CONTRACT_SEED and CONTRACT_CASES change the run; a failure names
 * the seed and the case.
 */
const SEED = Number(process.env.CONTRACT_SEED ?? 20_261_130);
const CASES = Number(process.env.CONTRACT_CASES ?? 1_200);

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
};
type Parameter = { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
};
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)] as T;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Random = ReturnType<typeof generator>;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const text = (r: Random, min: number, max: number) =>
  Array.from({ length: r.int(min, max) }, () => ALNUM.charAt(r.int(0, ALNUM.length - 1))).join('');

/** A value the schema accepts (for the patterns this service uses: alphanumerics satisfy them). */
function valid(r: Random, schema: Schema): unknown {
  if (schema.anyOf) return valid(r, r.pick(schema.anyOf));
  if (schema.enum) return r.pick(schema.enum);
  const type = Array.isArray(schema.type) ? r.pick(schema.type) : schema.type;
  switch (type) {
    case 'null':
      return null;
    case 'integer':
    case 'number':
      return r.int(schema.minimum ?? 0, Math.min(schema.maximum ?? 1_000, 1_000));
    case 'boolean':
      return r.chance(0.5);
    case 'array':
      return schema.items ? [valid(r, schema.items)] : [];
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || r.chance(0.6)) result[key] = valid(r, property);
      }
      return result;
    }
    default:
      if (schema.format === 'uuid') return randomUUID();
      return text(r, Math.max(schema.minLength ?? 1, 1), Math.min(schema.maxLength ?? 16, 16));
  }
}

/** Values that break a schema, or the service behind it. */
function hostile(r: Random): unknown {
  return r.pick([
    null,
    'a\u0000b',
    '\u0000',
    -1,
    1.5,
    2 ** 53,
    true,
    [],
    {},
    '',
    'x'.repeat(r.int(2_001, 5_000)),
    '💥\u202e',
    "'; drop table items; --",
    '%zz',
  ]);
}

function mutate(r: Random, value: unknown, schema: Schema | undefined): unknown {
  if (r.chance(0.1)) return hostile(r);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const result: Record<string, unknown> = { ...value };
  const keys = Object.keys(schema?.properties ?? result);
  const key = keys.length > 0 ? r.pick(keys) : 'x';
  switch (r.int(0, 3)) {
    case 0:
      result[key] = hostile(r);
      break;
    case 1:
      return Object.fromEntries(Object.entries(result).filter(([name]) => name !== key));
    case 2:
      result[`extra${r.int(0, 9)}`] = hostile(r);
      break;
    default:
      result[key] = null;
  }
  return result;
}

const QUERY_VALUES = [
  '%zz',
  '%00',
  'a%00b',
  '%',
  '%2',
  '%C3%28',
  '0',
  '-1',
  '101',
  'abc',
  '',
  '1e3',
  'x'.repeat(300),
];
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'BREW',
];

type Sent = { method: string; target: string; headers: Record<string, string>; body?: string };
type Received = { status: number; headers: Record<string, string>; body: string };

/** One request on its own connection, written as raw bytes (no client-side checks), read until the server closes. */
function send(port: number, request: Sent): Promise<Received> {
  const headers: Record<string, string> = { host: 'localhost', connection: 'close', ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = all.slice(0, split).split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = all.slice(split + 4);
      if (parsed['transfer-encoding'] === 'chunked') {
        let decoded = '';
        let rest = body;
        for (;;) {
          const end = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, end), 16);
          if (!(size > 0)) break;
          decoded += rest.slice(end + 2, end + 2 + size);
          rest = rest.slice(end + 2 + size + 2);
        }
        body = decoded;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed, body });
    });
    socket.write(head + (request.body ?? ''));
  });
}

/** The body as JSON, or a marker that fails every schema and member check. */
function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return { notJson: body.slice(0, 100) };
  }
}

/** The OpenAPI path template matching a request path, if any. */
function templateOf(document: OpenApi, path: string): string | undefined {
  return Object.keys(document.paths).find((template) =>
    new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

describe('contract: generated requests over HTTP against the OpenAPI document', () => {
  let t: TestApp;
  let port: number;
  let document: OpenApi;
  /** The bearer header when the service requires tokens (an object: without auth, nothing assigns it). */
  const auth: { authorization?: string } = {};
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its function is the default export's `default`.
  (formats as unknown as { default: (ajv: Ajv) => void }).default(ajv);
  const validators = new Map<Schema, ValidateFunction>();
  const validatorFor = (schema: Schema) => {
    let validate = validators.get(schema);
    if (validate === undefined) validators.set(schema, (validate = ajv.compile(schema)));
    return validate;
  };

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_MAX: '1000000' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
    document = (await t.app.inject({ url: '/docs/json' })).json<OpenApi>();
    // #region feature:auth
    auth.authorization = `Bearer ${await testToken(t.app)}`;
    // #endregion feature:auth
  });
  afterAll(() => t.close());

  it(`answers ${CASES} generated requests (seed ${SEED}) as the document says`, async () => {
    const r = generator(SEED);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
    const ids: string[] = [];
    const etags = new Map<string, string>();
    const failures: string[] = [];
    const statuses = new Map<number, number>();

    for (let index = 0; index < CASES; index++) {
      const { path, method: documented, operation } = r.pick(operations);
      const method = r.chance(0.12) ? r.pick(METHODS) : documented;
      let id = ids.length > 0 && r.chance(0.7) ? r.pick(ids) : randomUUID();
      if (r.chance(0.1)) id = r.pick(['not-a-uuid', '%zz', '%00', 'x'.repeat(300), '..%2F..%2Fetc']);
      let target = path.replace('{id}', id);

      const query: string[] = [];
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'query' || !r.chance(0.4)) continue;
        const value = r.chance(0.6) ? String(valid(r, parameter.schema)) : r.pick(QUERY_VALUES);
        query.push(`${parameter.name}=${/%/.test(value) ? value : encodeURIComponent(value)}`);
      }
      if (r.chance(0.05)) query.push(`${r.pick(['unknown', '%zz', 'limit'])}=${r.pick(QUERY_VALUES)}`);
      if (query.length > 0) target += `?${query.join('&')}`;
      if (r.chance(0.03)) target = `${path.replace('{id}', id)}/%zz`;

      const headers: Record<string, string> = {};
      const { authorization } = auth;
      if (authorization !== undefined && r.chance(0.9)) {
        headers.authorization = r.chance(0.1) ? authorization.replace('Bearer', 'bearer') : authorization;
      } else if (r.chance(0.5)) {
        headers.authorization = r.pick([
          'Bearer',
          'Bearer x.y.z',
          'Basic Zm9vOmJhcg==',
          `Bearer ${'a'.repeat(64)}`,
        ]);
      }
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'header') continue;
        if (parameter.name === 'if-match' && r.chance(0.85)) {
          headers['if-match'] = r.chance(0.7)
            ? (etags.get(id) ?? '"1"')
            : r.pick(['*', '"999"', 'W/"1"', 'garbage']);
        }
        if (parameter.name === 'idempotency-key' && r.chance(0.3)) {
          headers['idempotency-key'] = r.chance(0.8)
            ? randomUUID()
            : r.pick(['', 'has space', 'x'.repeat(300)]);
        }
      }
      if (r.chance(0.03)) headers['x-padding'] = 'p'.repeat(20_000);
      if (r.chance(0.03)) headers['x-request-id'] = r.pick(['%zz', '<script>', 'x'.repeat(200)]);

      let body: string | undefined;
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      if (bodySchema !== undefined || r.chance(0.05)) {
        const roll = r.next();
        if (roll < 0.05) {
          headers['content-type'] = r.pick([
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
          ]);
          body = 'sku=a&name=b';
        } else if (roll < 0.1) {
          headers['content-type'] = 'application/json';
          body = r.pick(['{"sku": ', '', 'null', '[]', '"text"', '{"a":1}{', '\u0000']);
        } else {
          headers['content-type'] = r.pick(['application/json', 'application/json; charset=utf-8']);
          const value = bodySchema === undefined ? {} : valid(r, bodySchema);
          body = JSON.stringify(r.chance(0.45) ? mutate(r, value, bodySchema) : value);
        }
      }

      const sent: Sent = { method, target, headers, ...(body === undefined ? {} : { body }) };
      const response = await send(port, sent);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const fail = (why: string) => {
        failures.push(
          `case ${index}: ${method} ${target.slice(0, 120)} -> ${response.status}: ${why} ${response.body.slice(0, 200)}`,
        );
      };

      if (!(response.status >= 100 && response.status < 500)) fail('no 5xx');
      const contentType = (response.headers['content-type'] ?? '').split(';')[0] ?? '';
      if (response.status >= 400) {
        if (contentType !== 'application/problem+json') fail(`error as ${contentType}`);
        else if (method !== 'HEAD') {
          const problem = json(response.body) as { status?: unknown; title?: unknown; type?: unknown };
          if (
            problem.status !== response.status ||
            typeof problem.title !== 'string' ||
            typeof problem.type !== 'string'
          )
            fail('problem members');
        }
      }
      if (
        method === documented &&
        (response.status === 201 || (response.status === 200 && method === 'PATCH'))
      ) {
        const item = json(response.body) as { id?: string };
        if (item.id !== undefined) {
          if (!ids.includes(item.id)) ids.push(item.id);
          etags.set(item.id, response.headers.etag ?? '');
        }
      }
      // Requests refused before routing (parser errors, bad URLs), other methods and other paths have no
      // operation in the document: 4xx problem+json (checked above) is all they can be held to.
      const routed = templateOf(document, target.split('?')[0] ?? '') === path && method === documented;
      if (!routed || response.status === 431 || /%(?![0-9A-Fa-f]{2})|%00/.test(target.split('?')[0] ?? ''))
        continue;
      const declared = operation.responses[String(response.status)];
      if (declared === undefined) {
        fail(`status not in the document (${Object.keys(operation.responses).join(', ')})`);
        continue;
      }
      if (response.status === 204 || method === 'HEAD') continue;
      const content = declared.content?.[contentType];
      if (content === undefined) {
        fail(`content type ${contentType} not declared (${Object.keys(declared.content ?? {}).join(', ')})`);
        continue;
      }
      const parsed: unknown = contentType.endsWith('json') ? json(response.body) : response.body;
      const validate = validatorFor(content.schema);
      if (!validate(parsed)) fail(`body does not match: ${ajv.errorsText(validate.errors)}`);
    }

    // The run exercised what it claims: successes and refusals, including the fuzzed inputs.
    expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(failures.slice(0, 20)).toEqual([]);
  }, 600_000);
});
