import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autoload from '@fastify/autoload';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type RawRequestDefaultExpression } from 'fastify';
import type { Config } from './config.ts';
import { AccessLogController, loggerOptions } from './lib/logger.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export type App = FastifyInstance;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Accept the caller's x-request-id when it is sane, so one id follows a request across services. */
function requestId(request: RawRequestDefaultExpression): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Builds the application without listening, so tests use `app.inject()` on the same code that runs in production.
 * Plugins load in layers, as in fastify/demo: external (third-party) plugins, then the app's own shared plugins,
 * then the routes. Each folder is autoloaded, so a feature is added or removed by adding or deleting files.
 */
export async function buildApp(config: Config): Promise<App> {
  const app = Fastify({
    logger: loggerOptions(config),
    // One access log line per request (with reqId, trace_id, span_id) instead of Fastify's two.
    logController: new AccessLogController(),
    genReqId: requestId,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);

  const here = import.meta.dirname;
  await app.register(autoload, { dir: join(here, 'plugins', 'external'), forceESM: true, options: {} });
  await app.register(autoload, { dir: join(here, 'plugins', 'app'), forceESM: true, options: {} });
  await app.register(autoload, {
    dir: join(here, 'routes'),
    forceESM: true,
    options: {},
    dirNameRoutePrefix: true,
  });

  return app;
}
