import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { probeRouteConfig } from '../lib/probe.ts';
import type { CheckResult, CheckStatus } from '../plugins/app/health.ts';

const HEALTH_CONTENT_TYPE = 'application/health+json';

const Status = Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]);
const HealthResponse = Type.Object({
  status: Status,
  version: Type.String(),
  // The deploy's identity (RELEASE_ID: an image tag or git SHA); the portal marks a deploy on its charts
  // whenever version or releaseId changes.
  releaseId: Type.Optional(Type.String()),
  serviceId: Type.String(),
  description: Type.String(),
  output: Type.Optional(Type.String()),
  checks: Type.Record(
    Type.String(),
    Type.Array(
      Type.Object({
        componentType: Type.String(),
        status: Status,
        observedValue: Type.Number(),
        observedUnit: Type.String(),
        time: Type.String(),
        output: Type.Optional(Type.String()),
      }),
    ),
  ),
});

const healthResponse = (description: string) => ({
  description,
  content: { [HEALTH_CONTENT_TYPE]: { schema: HealthResponse } },
});

function overall(checks: Record<string, CheckResult[]>): CheckStatus {
  const statuses = Object.values(checks).flatMap((results) => results.map((result) => result.status));
  if (statuses.includes('fail')) return 'fail';
  return statuses.includes('warn') ? 'warn' : 'pass';
}

/** Liveness and readiness in the IETF health+json format, read by the portal's service-health plugin. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const identity = {
    version: app.config.serviceVersion,
    ...(app.config.releaseId ? { releaseId: app.config.releaseId } : {}),
    serviceId: app.config.serviceName,
    description: app.config.serviceDescription,
  };

  app.get(
    '/health',
    {
      config: probeRouteConfig,
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up and serving',
        response: { 200: healthResponse('The process is up') },
      },
    },
    async (_request, reply) => {
      return reply.type(HEALTH_CONTENT_TYPE).send({ status: 'pass' as const, ...identity, checks: {} });
    },
  );

  app.get(
    '/ready',
    {
      config: probeRouteConfig,
      schema: {
        tags: ['health'],
        summary: 'Readiness: every dependency is reachable (503 when not, and from the start of shutdown)',
        response: {
          200: healthResponse('Every dependency is reachable'),
          503: healthResponse('A dependency failed, or the service is shutting down'),
        },
      },
    },
    async (_request, reply) => {
      if (app.health.shuttingDown) {
        return reply
          .code(503)
          .type(HEALTH_CONTENT_TYPE)
          .send({ status: 'fail' as const, ...identity, output: 'shutting down', checks: {} });
      }
      const checks = await app.health.runChecks();
      const status = overall(checks);
      return reply
        .code(status === 'fail' ? 503 : 200)
        .type(HEALTH_CONTENT_TYPE)
        .send({ status, ...identity, checks });
    },
  );
};

export default routes;
