import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem, problem } from '../../lib/problem.ts';

/**
 * Every error leaves the service as RFC 9457 application/problem+json: validation failures (400), unknown
 * routes (404), unsupported media types (415), oversized bodies (413), our own HttpProblems, and anything
 * unexpected (500, without internals).
 */
export default fp(
  async (app) => {
    const production = app.config.NODE_ENV === 'production';

    app.setErrorHandler<FastifyError | HttpProblem>(async (error, request, reply) => {
      const status =
        typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
          ? error.statusCode
          : 500;
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
