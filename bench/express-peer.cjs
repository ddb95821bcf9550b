// The Express 5 peer: what a Node team would typically build instead of the template, serving the service's two
// routes. Tracing: express-telemetry.cjs (auto-instrumentations + OTLP, preloaded). Metrics: a prom-client
// per-route request histogram and the default process metrics on /metrics. Logs: pino-http, one line per request.
// Security headers: helmet. Database: pg Pool (DATABASE_URL, 10 connections like the service's default).
const express = require('express');
const helmet = require('helmet');
const pinoHttp = require('pino-http');
const promClient = require('prom-client');
const pg = require('pg');

promClient.collectDefaultMetrics();
const duration = new promClient.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 10,
});

const app = express();
app.disable('x-powered-by');
app.use(helmet());
app.use(pinoHttp());
app.use((req, res, next) => {
  const end = duration.startTimer();
  res.on('finish', () =>
    end({
      method: req.method,
      route: req.route ? req.baseUrl + req.route.path : 'unmatched',
      status_code: res.statusCode,
    }),
  );
  next();
});

const info = {
  name: 'express-peer',
  version: '0.0.0',
  description: 'Express 5 peer',
};
app.get('/v1/info', (req, res) => {
  res.json(info);
});
app.get('/v1/items/:id', async (req, res) => {
  const { rows } = await pool.query(
    'select * from items where id = $1 limit 1',
    [req.params.id],
  );
  const row = rows[0];
  if (row === undefined) {
    res.status(404).json({ status: 404, title: 'Not Found' });
    return;
  }
  res.set('etag', `"${row.version}"`).json({
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
app.get('/metrics', async (req, res) => {
  res
    .set('content-type', promClient.register.contentType)
    .send(await promClient.register.metrics());
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end()));
