import type { FastifyError, onErrorHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem, problem } from '../../lib/problem.ts';

/** The status an error leaves with: its own 4xx/5xx status code, anything else is a 500. */
function statusOf(error: { statusCode?: unknown }): number {
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

    app.setErrorHandler<FastifyError | HttpProblem>(async (error, request, reply) => {
      const status = statusOf(error);
      let body: Problem;
      if (error instanceof HttpProblem) {
        body = { type: error.type, title: error.title, status, detail: error.message };
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

    app.setNotFoundHandler(async (request, reply) => {
      const body = problem(404, `No route ${request.method} ${request.url.split('?')[0] ?? ''}`);
      return reply
        .code(404)
        .type(PROBLEM_CONTENT_TYPE)
        .send({ ...body, instance: request.url, requestId: request.id });
    });
  },
  { name: 'errors' },
);
