import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthStore } from '../database/stores';
import { HostAllowList, OutboundHttp } from '../outbound/OutboundHttp';
import { component } from '../__testUtils__/backend';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { testLogger } from '../traces/testUtils';
import { ServicePoller, shardOf } from './ServicePoller';

const databases = pluginTestDatabases();

describe('poll shards', () => {
  it('cut the targets into stable, even hash ranges', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const target = {
        entityRef: `component:default/svc-${i}`,
        environment: 'default',
      };
      const shard = shardOf(target, 4);
      expect(shardOf(target, 4)).toBe(shard);
      counts[shard]++;
    }
    for (const n of counts) {
      expect(n).toBeGreaterThan(2300);
      expect(n).toBeLessThan(2700);
    }
    // The same target in another environment is another target.
    const shardsOf = (environment: string) =>
      Array.from({ length: 50 }, (_, i) =>
        shardOf({ entityRef: `component:default/s${i}`, environment }, 4),
      );
    expect(shardsOf('default')).not.toEqual(shardsOf('staging'));
    // One shard owns everything.
    expect(shardOf({ entityRef: 'x', environment: 'y' }, 1)).toBe(0);
  });

  it('poll every target once across all shards, with the concurrency bound shared by the shards of one instance', async () => {
    const SERVICES = 40;
    const CONCURRENCY = 3;
    const probes = new Map<string, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.endsWith('/health')) {
        probes.set(url.pathname, (probes.get(url.pathname) ?? 0) + 1);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      // Slow enough that the shards overlap.
      setTimeout(() => {
        if (url.pathname.endsWith('/health')) inFlight--;
        res.writeHead(200, { 'content-type': 'application/health+json' });
        res.end('{"status":"pass"}');
      }, 30);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const knex = await migratedDatabase(databases, 'SQLITE_3');
      const poller = new ServicePoller({
        http: new OutboundHttp(new HostAllowList(['127.0.0.1']), {
          timeoutMs: 5000,
          maxResponseBytes: 1024 * 1024,
          maxRedirects: 0,
        }),
        store: new HealthStore(knex),
        environments: [{ name: 'default', metricsSource: 'none' }],
        concurrency: CONCURRENCY,
        retention: { retentionDays: 1, rawHours: 1, rollupMinutes: 15 },
        minRefreshIntervalSeconds: 2,
        metricsSources: new Map(),
        logger: testLogger(),
        catalog: catalogServiceMock({
          entities: Array.from({ length: SERVICES }, (_, i) =>
            component(`svc-${i}`, {
              'service-health.io/base-url': `${base}/svc-${i}`,
            }),
          ),
        }),
        auth: mockServices.auth(),
      });
      const results = await Promise.all(
        [0, 1, 2, 3].map(shard => poller.runShard(shard, 4)),
      );
      expect(results.reduce((n, r) => n + r.probed, 0)).toBe(SERVICES);
      expect(results.filter(r => r.probed > 0).length).toBeGreaterThan(1);
      expect(probes.size).toBe(SERVICES);
      expect([...probes.values()].every(n => n === 1)).toBe(true);
      expect(maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
      expect(maxInFlight).toBeGreaterThan(1);
    } finally {
      await new Promise(r => server.close(r));
    }
  });
});
