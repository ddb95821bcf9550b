// The baseline: bare Fastify, no plugins, no logging, the same two routes as the service: GET /v1/info (tiny
// JSON) and GET /v1/items/:id (one primary-key read on PostgreSQL through `pg`, DATABASE_URL, pool of 10 like the
// service's default). No schemas, hooks, telemetry or headers beyond Fastify's own.
import Fastify from 'fastify';
import pg from 'pg';

const app = Fastify({ logger: false });
const info = { name: 'bare', version: '0.0.0', description: 'bare fastify' };
app.get('/v1/info', async () => info);

const pool = process.env.DATABASE_URL
  ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
  : undefined;
app.get('/v1/items/:id', async (request, reply) => {
  const { rows } = await pool.query(
    'select * from items where id = $1 limit 1',
    [request.params.id],
  );
  const row = rows[0];
  if (row === undefined) return reply.code(404).send({ status: 404 });
  return reply.header('etag', `"${row.version}"`).send({
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  });
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () =>
  app
    .close()
    .then(() => pool?.end())
    .then(() => process.exit(0)),
);
