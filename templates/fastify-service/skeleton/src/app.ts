import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import AjvCompiler from '@fastify/ajv-compiler';
import autoload from '@fastify/autoload';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type RawRequestDefaultExpression } from 'fastify';
import type { Config } from './config.ts';
import { clientErrorHandler, frameworkErrors, refuseConnect } from './lib/client-errors.ts';
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

const ajvCompilers = AjvCompiler();

/**
 * Query strings, path parameters and headers arrive as text, so their validator converts types (`?limit=5` is the
 * number 5). A JSON body already has types: converting them would turn `{"description": null}` into `""` and
 * `{"priceCents": "5"}` into 5, so a client could neither clear a field nor find its mistake. Bodies get a
 * validator of their own without coercion.
 */
const buildValidator: AjvCompiler.BuildCompilerFromPool = (externalSchemas, options) => {
  const coercing = ajvCompilers(externalSchemas, options);
  const strict = ajvCompilers(externalSchemas, {
    ...options,
    customOptions: { ...options?.customOptions, coerceTypes: false },
  } as typeof options);
  return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
};

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
    // Plugins that open connections retry with backoff (db.ts), and an embedded PGlite takes seconds to boot on a
    // loaded machine: Fastify's 10 s default would end start-up with "Plugin did not start in time" instead of the
    // plugin's own error.
    pluginTimeout: 120_000,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator } },
    // problem+json also for what fails before routing: bad URLs, and requests Node's parser refuses.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.server.on('connect', refuseConnect);

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
