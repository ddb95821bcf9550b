import fp from 'fastify-plugin';

/**
 * OpenAPI document built from the route schemas; UI at /docs. Off in production unless DOCS_ENABLED=true, and then
 * not even loaded (the UI's modules and assets are RSS a production service would carry for nothing).
 */
export default fp(
  async (app) => {
    if (!app.config.DOCS_ENABLED) return;
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
    ]);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: app.config.serviceName, version: app.config.serviceVersion },
        // #region feature:auth
        // Operations that need a token name it in `security` (src/plugins/app/auth.ts).
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        // #endregion feature:auth
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'swagger' },
);
