import type { FastifyError, onErrorHookHandler } from 'fastify';
import fp from 'fastify-plugin';
// #region feature:database
import { databaseFailure } from '../../db/errors.ts';
// #endregion feature:database
import {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  problem,
  problemResponses,
} from '../../lib/problem.ts';

/** The status an error leaves with: its own 4xx/5xx status code, anything else is a 500. */
function statusOf(error: { statusCode?: unknown }): number {
  // #region feature:database
  const failure = databaseFailure(error);
  if (failure !== undefined) return failure.status;
  // #endregion feature:database
  const { statusCode } = error;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : 500;
}

/**
 * @fastify/otel marks the server span ERROR for every error a route throws, 4xx included (its onError hook runs
 * before our error handler). The HTTP semantic conventions leave a server span's status unset for 4xx: a bad
 * request, a missing token or a rate limit is the client's doing, and counting it as a server error would bury
 * real failures in trace search and error rates. So each route's copy of that hook only runs for 5xx.
 */
const OTEL_ERROR_HOOK = 'recordErrorInSpanHook';

function serverErrorsOnly(hook: onErrorHookHandler): onErrorHookHandler {
  return function (request, reply, error, done) {
    if (statusOf(error) >= 500) hook.call(this, request, reply, error, done);
    else done();
  };
}

/**
 * Every error leaves the service as RFC 9457 application/problem+json: validation failures (400), unknown
 * routes (404), unsupported media types (415), oversized bodies (413), our own HttpProblems, and anything
 * unexpected (500, without internals).
 */
export default fp(
  async (app) => {
    const production = app.config.NODE_ENV === 'production';

    // Runs after @fastify/otel's onRoute hook (it registers at initialization), so its onError hook is there.
    app.addHook('onRoute', (route) => {
      if (route.onError === undefined) return;
      route.onError = [route.onError]
        .flat()
        .map((hook) => (hook.name === OTEL_ERROR_HOOK ? serverErrorsOnly(hook as onErrorHookHandler) : hook));
    });

    // The problems every route can answer (bad input, a missing token, the rate limit, a failure, shutting
    // down) are in the OpenAPI document of every route with a response schema, including the routes a team adds
    // later without listing them: the contract test holds every answer to the document.
    app.addHook('onRoute', (route) => {
      const response = route.schema?.response as Record<string, unknown> | undefined;
      if (response === undefined || route.config?.probe === true || route.url.startsWith('/docs')) return;
      for (const [status, schema] of Object.entries(problemResponses)) response[status] ??= schema;
    });

    app.setErrorHandler<FastifyError | HttpProblem>(async (error, request, reply) => {
      const status = statusOf(error);
      let body: Problem;
      // #region feature:database
      const failure = databaseFailure(error);
      // #endregion feature:database
      if (error instanceof HttpProblem) {
        body = { type: error.type, title: error.title, status, detail: error.message };
        if (error.errors !== undefined) body.errors = error.errors;
        if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
        // #region feature:database
      } else if (failure !== undefined) {
        // The driver's message names hosts, tables and values: logged, never sent.
        if (status >= 500) request.log.error({ err: error }, 'database unavailable');
        else request.log.info({ err: error }, 'request refused by the database');
        body = problem(status, failure.detail);
        if (failure.retryAfterS !== undefined) reply.header('retry-after', String(failure.retryAfterS));
        // #endregion feature:database
      } else if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        body = problem(status, production ? undefined : error.message);
      } else {
        body = problem(status, error.message);
      }
      if ('validation' in error && error.validation) {
        const location = error.validationContext ?? 'request';
        body.errors = error.validation.map((issue) => ({
          location,
          path: issue.instancePath,
          message: issue.message ?? 'is invalid',
        }));
      }
      body.instance = request.url;
      body.requestId = request.id;
      return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body);
    });

    // Route patterns and their methods, to tell "no such resource" (404) from "not with this method" (405).
    const routes: { pattern: RegExp; methods: Set<string> }[] = [];
    app.addHook('onRoute', (route) => {
      if (route.url === '*' || route.url === '/*') return;
      const source = route.url
        .split('/')
        .map((segment) =>
          segment.startsWith(':')
            ? '[^/]+'
            : segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '.*'),
        )
        .join('/');
      const pattern = new RegExp(`^${source}/?$`);
      let entry = routes.find((candidate) => candidate.pattern.source === pattern.source);
      if (entry === undefined) routes.push((entry = { pattern, methods: new Set() }));
      for (const method of [route.method].flat()) entry.methods.add(method);
    });

    app.setNotFoundHandler(async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const allowed = new Set(
        routes.filter((route) => route.pattern.test(path)).flatMap((route) => [...route.methods]),
      );
      if (allowed.size > 0 && !allowed.has(request.method)) {
        const body = problem(405, `${request.method} is not allowed on ${path}`);
        return reply
          .code(405)
          .header('allow', [...allowed].sort().join(', '))
          .type(PROBLEM_CONTENT_TYPE)
          .send({ ...body, instance: request.url, requestId: request.id });
      }
      const body = problem(404, `No route ${request.method} ${path}`);
      return reply
        .code(404)
        .type(PROBLEM_CONTENT_TYPE)
        .send({ ...body, instance: request.url, requestId: request.id });
    });
  },
  { name: 'errors' },
);
