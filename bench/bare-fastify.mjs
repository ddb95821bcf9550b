// The baseline: bare Fastify, no plugins, no logging, the same JSON route as the service's GET /v1/info.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const info = { name: 'bare', version: '0.0.0', description: 'bare fastify' };
app.get('/v1/info', async () => info);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
