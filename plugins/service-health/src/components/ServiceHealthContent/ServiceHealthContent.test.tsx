import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { ServiceHealthApi } from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import {
  down,
  entity,
  healthy,
  NOW,
  series,
  entityWithoutAnnotations,
  history,
  mockApi,
  ok,
  summary,
} from '../../testing/fixtures';
import { formatTime } from '../shared/format';
import { ServiceHealthContent } from './ServiceHealthContent';

function render(
  api: ServiceHealthApi,
  e = entity,
  props: Parameters<typeof ServiceHealthContent>[0] = { defaultRefreshMs: 0 },
  url?: string,
) {
  return renderInTestApp(
    <EntityProvider entity={e}>
      <ServiceHealthContent {...props} />
    </EntityProvider>,
    {
      apis: [[serviceHealthApiRef, api]],
      ...(url ? { initialRouteEntries: [url] } : {}),
    },
  );
}

const iso = (t: number) => new Date(t).toISOString();
/** The local time the tab shows for an epoch time (with the date when not today). */
const clock = (t: number) => formatTime(t);

/**
 * Runs a user action that makes the sections load again, and lets those loads (immediately resolved mocks) finish
 * inside act(), as they would before a user could look.
 */
async function reloadingAction(action: () => unknown) {
  await act(async () => {
    await action();
    await new Promise(resolve => setTimeout(resolve, 0));
  });
}

async function selectOption(label: string, option: string) {
  fireEvent.mouseDown(screen.getByRole('button', { name: label }));
  const listbox = await screen.findByRole('listbox');
  await reloadingAction(() =>
    fireEvent.click(within(listbox).getByRole('option', { name: option })),
  );
}

jest.setTimeout(30_000);

describe('ServiceHealthContent', () => {
  it('asks for the annotations, with the YAML to add, when they are missing', async () => {
    const api = mockApi();
    render(api, entityWithoutAnnotations);
    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(
      screen.getAllByText(/service-health\.io\/base-url/).length,
    ).toBeGreaterThan(0);
    expect(
      screen.getAllByText(/service-health\.io\/otel-service-name/).length,
    ).toBeGreaterThan(0);
    expect(api.getEnvironments).not.toHaveBeenCalled();
  });

  it('shows health, checks, uptime, metrics and traces of a healthy service', async () => {
    const api = mockApi();
    render(api);
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(screen.getByText('Liveness')).toBeInTheDocument();
    expect(screen.getByText('Readiness')).toBeInTheDocument();
    expect(screen.getByText('http://localhost:8080/ready')).toBeInTheDocument();
    expect(screen.getByText(/HTTP 200 · 8.1 ms/)).toBeInTheDocument();
    expect(screen.getByText(/v1\.4\.2/)).toBeInTheDocument();

    // dependency checks: status, latency, message
    const checks = screen.getByRole('table', { name: 'Dependency checks' });
    expect(within(checks).getByText('postgres')).toBeInTheDocument();
    expect(within(checks).getByText('3.2 ms')).toBeInTheDocument();
    expect(
      within(checks).getByText('circuit open after 5 failures'),
    ).toBeInTheDocument();
    expect(
      within(checks).getAllByRole('status', { name: 'Pass' }),
    ).toHaveLength(2);
    expect(
      within(checks).getByRole('status', { name: 'Warn' }),
    ).toBeInTheDocument();

    // uptime strip from history
    const strip = await screen.findByTestId('uptime-strip');
    expect(within(strip).getByText('98 %')).toBeInTheDocument();
    expect(
      strip.querySelectorAll('[data-status="fail"]').length,
    ).toBeGreaterThan(0);

    // metrics: figures with units, lazy charts, routes, process
    expect(await screen.findByTestId('stat-Requests')).toHaveTextContent(
      '42.7 req/s',
    );
    expect(screen.getByTestId('stat-Error rate')).toHaveTextContent('1.2 %');
    expect(screen.getByTestId('stat-p95')).toHaveTextContent('87.4 ms');
    expect(screen.getByTestId('stat-p99')).toHaveTextContent('312 ms');
    expect(await screen.findByTestId('chart-request-rate')).toBeInTheDocument();
    expect(screen.getByTestId('chart-error-rate')).toBeInTheDocument();
    expect(screen.getByTestId('chart-latency')).toBeInTheDocument();
    expect(screen.getByText('/v1/items/:id')).toBeInTheDocument();
    expect(screen.getByTestId('stat-Memory (RSS)')).toHaveTextContent(
      '142 MiB',
    );
    expect(screen.getByTestId('stat-CPU')).toHaveTextContent('23 %');

    // traces
    expect(await screen.findByText('POST /v1/orders')).toBeInTheDocument();
    expect(screen.getByText('GET /v1/items/:id')).toBeInTheDocument();

    expect(screen.queryByTestId('service-down')).not.toBeInTheDocument();
    expect(screen.queryByTestId('partial-data')).not.toBeInTheDocument();
  });

  it('says loudly when the service is down', async () => {
    const api = mockApi({ getHealth: jest.fn(async () => ok(down)) });
    render(api);
    const banner = await screen.findByTestId('service-down');
    expect(banner).toHaveTextContent('Service is down');
    expect(banner).toHaveTextContent('connect ECONNREFUSED 127.0.0.1:8080');
    expect(
      screen.getAllByRole('status', { name: 'Down' }).length,
    ).toBeGreaterThan(0);
    expect(
      screen.getByText('No answer from the readiness probe'),
    ).toBeInTheDocument();
  });

  it('tells an unreachable monitoring source apart from a down service, and flags partial data', async () => {
    const api = mockApi({
      getMetricsSummary: jest.fn(async () => ({
        source: {
          source: 'prometheus',
          status: 'unreachable' as const,
          message: 'connect ECONNREFUSED 127.0.0.1:9090',
        },
      })),
    });
    render(api);
    const unreachable = await screen.findByTestId('source-unreachable');
    expect(unreachable).toHaveTextContent(
      "Monitoring source unreachable: can't reach Prometheus",
    );
    expect(unreachable).toHaveTextContent('ECONNREFUSED 127.0.0.1:9090');
    expect(screen.queryByTestId('service-down')).not.toBeInTheDocument();
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    const partial = await screen.findByTestId('partial-data');
    expect(partial).toHaveTextContent('metrics: Prometheus is unreachable');
  });

  it('shows partial data with a notice when a source answers with an error and some data', async () => {
    const api = mockApi({
      getMetricsSummary: jest.fn(async () => ({
        data: { ...summary, routes: [] },
        source: {
          source: 'prometheus',
          status: 'error' as const,
          message: 'query timed out for routes',
        },
      })),
    });
    render(api);
    const notice = await screen.findByTestId('source-error');
    expect(notice).toHaveTextContent(
      'Showing partial data: Prometheus reported an error',
    );
    expect(notice).toHaveTextContent('query timed out for routes');
    expect(screen.getByTestId('stat-Requests')).toHaveTextContent('42.7 req/s');
    expect(await screen.findByTestId('partial-data')).toBeInTheDocument();
  });

  it('says "no data yet" when the sources have nothing', async () => {
    const api = mockApi({
      getHealthHistory: jest.fn(async () =>
        ok({ ...history, points: [], uptimeRatio: undefined }),
      ),
      getMetricsSummary: jest.fn(async () => ({
        source: { source: 'direct', status: 'no-data' as const },
      })),
      getMetricsSeries: jest.fn(async () => ({
        source: { source: 'direct', status: 'no-data' as const },
      })),
      listTraces: jest.fn(async () => ok([], 'embedded')),
    });
    render(api);
    expect(
      await screen.findByText(/No metrics for this window/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/No traces in this window/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/No probes in this window yet/),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('partial-data')).not.toBeInTheDocument();
  });

  it('shows a request failure as an error panel', async () => {
    const api = mockApi({
      getEnvironments: jest.fn(async () => {
        throw new Error('backend exploded');
      }),
    });
    render(api);
    expect(
      (await screen.findAllByText(/backend exploded/)).length,
    ).toBeGreaterThan(0);
  });

  it('switches environment when the entity has several', async () => {
    const api = mockApi({
      getEnvironments: jest.fn(async () => [
        {
          name: 'default',
          title: 'Local',
          baseUrl: 'http://localhost:8080',
          metricsSource: 'direct',
          tracesSource: 'embedded',
        },
        {
          name: 'staging',
          title: 'Staging',
          baseUrl: 'http://staging:8080',
          metricsSource: 'prometheus',
          tracesSource: 'tempo',
        },
      ]),
    });
    render(api);
    await screen.findByText('Healthy');
    expect(api.getHealth).toHaveBeenLastCalledWith('component:default/orders', {
      environment: 'default',
    });
    await selectOption('Environment', 'Staging');
    await waitFor(() =>
      expect(api.getHealth).toHaveBeenLastCalledWith(
        'component:default/orders',
        { environment: 'staging' },
      ),
    );
    await waitFor(() =>
      expect(api.listTraces).toHaveBeenLastCalledWith(
        'component:default/orders',
        expect.objectContaining({ environment: 'staging' }),
      ),
    );
    expect(api.getMetricsSummary).toHaveBeenLastCalledWith(
      'component:default/orders',
      expect.objectContaining({ environment: 'staging' }),
    );
  });

  it('has no environment switcher with one environment', async () => {
    render(mockApi());
    await screen.findByText('Healthy');
    expect(
      screen.queryByRole('button', { name: 'Environment' }),
    ).not.toBeInTheDocument();
  });

  it('reloads every section for another time range', async () => {
    const api = mockApi();
    render(api);
    await screen.findByText('POST /v1/orders');
    await selectOption('Time range', 'Last 24 hours');
    await waitFor(() => {
      const [, window] = api.getMetricsSummary.mock.calls.at(-1)!;
      expect(Date.parse(window!.to!) - Date.parse(window!.from!)).toBe(
        24 * 3_600_000,
      );
    });
    const [, query] = api.listTraces.mock.calls.at(-1)!;
    expect(Date.parse(query!.to!) - Date.parse(query!.from!)).toBe(
      24 * 3_600_000,
    );
    const [, seriesQuery] = api.getMetricsSeries.mock.calls.at(-1)!;
    expect(seriesQuery!.stepSeconds).toBe(900);
  });

  it('filters traces: errors only and slower than', async () => {
    const api = mockApi();
    render(api);
    await screen.findByText('POST /v1/orders');
    await reloadingAction(() =>
      fireEvent.click(screen.getByRole('checkbox', { name: 'Errors only' })),
    );
    await waitFor(() =>
      expect(api.listTraces).toHaveBeenLastCalledWith(
        'component:default/orders',
        expect.objectContaining({ errorsOnly: true, minDurationMs: undefined }),
      ),
    );
    await selectOption('Request slower than', '250 ms');
    await waitFor(() =>
      expect(api.listTraces).toHaveBeenLastCalledWith(
        'component:default/orders',
        expect.objectContaining({ errorsOnly: true, minDurationMs: 250 }),
      ),
    );
  });

  it('explains an empty list when filters match nothing', async () => {
    const api = mockApi();
    render(api);
    await screen.findByText('POST /v1/orders');
    api.listTraces.mockResolvedValue(ok([], 'embedded'));
    await reloadingAction(() =>
      fireEvent.click(screen.getByRole('checkbox', { name: 'Errors only' })),
    );
    expect(
      await screen.findByText('No traces match these filters'),
    ).toBeInTheDocument();
  });

  it('opens a trace as a waterfall with the critical path and error spans highlighted', async () => {
    const api = mockApi();
    render(api);
    await userEvent.click(await screen.findByText('POST /v1/orders'));
    const waterfall = await screen.findByTestId(
      'trace-waterfall',
      {},
      { timeout: 5000 },
    );
    expect(api.getTrace).toHaveBeenCalledWith(
      'component:default/orders',
      'trace-1',
      {
        environment: 'default',
      },
    );

    const row = (id: string) =>
      waterfall.querySelector(`[data-span-id="${id}"]`)!;
    expect(waterfall.querySelectorAll('[role="option"]')).toHaveLength(6);
    for (const id of ['root', 'auth', 'db', 'charge', 'http']) {
      expect(row(id)).toHaveAttribute('data-critical', 'true');
    }
    expect(row('cache')).toHaveAttribute('data-critical', 'false');
    expect(row('charge')).toHaveAttribute('data-error', 'true');
    expect(row('root')).toHaveAttribute('data-error', 'true');
    expect(row('db')).toHaveAttribute('data-error', 'false');
    expect(within(waterfall).getByText('2 errors')).toBeInTheDocument();

    // deep link to the trace backend
    expect(
      within(waterfall).getByRole('link', { name: /Open in Jaeger/ }),
    ).toHaveAttribute('href', 'http://localhost:16686/trace/trace-1');

    // span details: status, events, attributes
    await userEvent.click(row('charge'));
    const details = within(waterfall).getByTestId('span-details');
    expect(details).toHaveTextContent('payments.charge');
    expect(details).toHaveTextContent('upstream returned 502');
    expect(details).toHaveTextContent('exception');
    expect(details).toHaveTextContent('Bad gateway');
    expect(details).toHaveTextContent('Critical path');
    await userEvent.click(row('db'));
    expect(within(waterfall).getByTestId('span-attributes')).toHaveTextContent(
      'SELECT * FROM items WHERE id = $1',
    );

    await userEvent.click(
      within(waterfall).getByRole('button', { name: 'Close trace' }),
    );
    expect(screen.queryByTestId('trace-waterfall')).not.toBeInTheDocument();
  });

  it('probes on demand', async () => {
    const api = mockApi();
    render(api);
    await screen.findByText('Healthy');
    await userEvent.click(screen.getByRole('button', { name: 'Probe now' }));
    await waitFor(() =>
      expect(api.refreshHealth).toHaveBeenCalledWith(
        'component:default/orders',
        { environment: 'default' },
      ),
    );
    await waitFor(() => expect(api.getHealth).toHaveBeenCalledTimes(2));
  });

  describe('states that must not mislead', () => {
    it('shows a never-started service as "not started yet": no red banner, no 0 % uptime', async () => {
      const firstProbe = Date.now() - 10 * 60_000;
      const probes = Array.from({ length: 20 }, (_, i) => ({
        checkedAt: iso(firstProbe + i * 30_000),
        status: 'down' as const,
      }));
      const api = mockApi({
        getHealth: jest.fn(async () =>
          ok({
            ...down,
            lifecycle: {
              firstProbeAt: iso(firstProbe),
              downSince: iso(firstProbe),
            },
          }),
        ),
        getHealthHistory: jest.fn(async () =>
          ok({
            ...history,
            from: iso(Date.now() - 3_600_000),
            to: iso(Date.now()),
            uptimeRatio: undefined,
            firstUpAt: undefined,
            countedFrom: undefined,
            countedProbes: 0,
            points: probes,
          }),
        ),
      });
      render(api);
      const banner = await screen.findByTestId('service-not-started');
      expect(banner).toHaveTextContent('Not started yet');
      expect(banner).toHaveTextContent(`since ${clock(firstProbe)}`);
      expect(banner).toHaveTextContent('connect ECONNREFUSED');
      expect(screen.queryByTestId('service-down')).not.toBeInTheDocument();
      expect(
        screen.getByRole('status', { name: 'Not started yet' }),
      ).toBeInTheDocument();
      const strip = await screen.findByTestId('uptime-strip');
      expect(within(strip).getByTestId('uptime-ratio')).toHaveTextContent(
        'not started yet',
      );
      expect(strip).not.toHaveTextContent('0 %');
      expect(strip.querySelectorAll('[data-status="down"]')).toHaveLength(0);
      expect(
        strip.querySelectorAll('[data-status="not-started"]').length,
      ).toBeGreaterThan(0);
    });

    it('counts uptime from the first passing probe and says since when', async () => {
      const firstUp = NOW - 20 * 60_000;
      const points = Array.from({ length: 120 }, (_, i) => {
        const t = NOW - 3_600_000 + i * 30_000;
        return {
          checkedAt: iso(t),
          status: t < firstUp ? ('down' as const) : ('pass' as const),
        };
      });
      const counted = points.filter(p => Date.parse(p.checkedAt) >= firstUp);
      const api = mockApi({
        getHealthHistory: jest.fn(async () =>
          ok({
            ...history,
            points,
            firstUpAt: iso(firstUp),
            countedFrom: iso(firstUp),
            countedProbes: counted.length,
            uptimeRatio: 1,
          }),
        ),
      });
      render(api);
      const strip = await screen.findByTestId('uptime-strip');
      expect(within(strip).getByTestId('uptime-ratio')).toHaveTextContent(
        `since ${clock(firstUp)}, ${counted.length} probes · 100 %`,
      );
      // before the first pass: not started, not red
      expect(strip.querySelectorAll('[data-status="down"]')).toHaveLength(0);
      expect(
        strip.querySelectorAll('[data-status="not-started"]').length,
      ).toBeGreaterThan(0);
      expect(
        strip.querySelectorAll('[data-status="pass"]').length,
      ).toBeGreaterThan(0);
    });

    it('dates an outage from its first failing probe, and keeps metrics history visible while down', async () => {
      const downSince = Date.now() - 7 * 60_000 - 20_000;
      const lastUp = downSince - 30_000;
      const stored = {
        ...series,
        points: series.points.map((p, i) => (i >= 50 ? { t: p.t } : p)),
      };
      const api = mockApi({
        getHealth: jest.fn(async () =>
          ok({
            ...down,
            lifecycle: {
              firstProbeAt: iso(lastUp - 3_600_000),
              firstUpAt: iso(lastUp - 3_600_000),
              lastUpAt: iso(lastUp),
              downSince: iso(downSince),
            },
          }),
        ),
        getMetricsSummary: jest.fn(async () => ({
          data: summary,
          source: {
            source: 'direct',
            status: 'unreachable' as const,
            message: 'connect ECONNREFUSED 127.0.0.1:8080',
          },
        })),
        getMetricsSeries: jest.fn(async () => ({
          data: stored,
          source: {
            source: 'direct',
            status: 'unreachable' as const,
            message: 'connect ECONNREFUSED 127.0.0.1:8080',
          },
        })),
      });
      render(api);
      const banner = await screen.findByTestId('service-down');
      expect(banner).toHaveTextContent(
        `Service is down since ${clock(downSince)} (7 min ago)`,
      );
      expect(banner).toHaveTextContent(`Last passing probe ${clock(lastUp)}`);
      // the stored history is still on screen, with the scrape failure said
      expect(await screen.findByTestId('stat-Requests')).toHaveTextContent(
        '42.7 req/s',
      );
      expect(
        await screen.findByTestId('chart-request-rate'),
      ).toBeInTheDocument();
      expect(screen.getByTestId('source-unreachable')).toHaveTextContent(
        "Showing partial data: can't scrape the service's /metrics endpoint",
      );
      expect(screen.getByTestId('series-caption')).toHaveTextContent(
        'empty stretches are times without samples',
      );
      // the newest figure says when it was, not "latest"
      expect(screen.getByTestId('chart-request-rate')).toHaveTextContent(
        `at ${clock(
          stored.points[49].t,
        )}: ${+stored.points[49].requestRate!.toFixed(1)} req/s`,
      );
    });

    it('labels what each p95 covers: the tile the window, the chart the latest step', async () => {
      const api = mockApi();
      render(api);
      expect(await screen.findByTestId('stat-p95')).toHaveTextContent(
        '87.4 ms',
      );
      expect(screen.getByTestId('stat-p95')).toHaveTextContent(
        'all requests over the last hour',
      );
      const latency = await screen.findByTestId('chart-latency');
      const lastP95 = series.points[series.points.length - 1].p95Ms!;
      expect(latency).toHaveTextContent(
        `latest 1 min: p95 ${+lastP95.toFixed(1)} ms`,
      );
      expect(screen.getByTestId('series-caption')).toHaveTextContent(
        'One point per 1 min',
      );
    });

    it('draws a long range from where the data starts, with a stable "data since"', async () => {
      const since = NOW - 40 * 60_000;
      const step = 60;
      const points = Array.from({ length: 40 }, (_, i) => ({
        t: since + (i + 1) * step * 1000,
        requestRate: 2,
        errorRate: 0,
        p50Ms: 3,
        p95Ms: 9,
        p99Ms: 20,
      }));
      const api = mockApi({
        getMetricsSeries: jest.fn(async () =>
          ok(
            {
              ...series,
              from: iso(NOW - 7 * 86_400_000),
              stepSeconds: step,
              dataSince: iso(since),
              points,
            },
            'direct',
          ),
        ),
      });
      render(api, entity, { defaultRefreshMs: 0 }, '/?range=7d');
      const caption = await screen.findByTestId('series-caption');
      expect(caption).toHaveTextContent(
        `Data since ${clock(since)} (the oldest sample kept)`,
      );
      expect(screen.getByTestId('stat-p95')).toHaveTextContent(
        `all requests since ${clock(since)}`,
      );
      const [, query] = api.getMetricsSeries.mock.calls.at(-1)!;
      expect(query!.stepSeconds).toBe(3600);
      expect(Date.parse(query!.to!) - Date.parse(query!.from!)).toBe(
        7 * 86_400_000,
      );
      // a real series: one line through every point, not a dot
      const chart = await screen.findByTestId('chart-request-rate');
      await waitFor(() =>
        expect(chart.querySelector('.recharts-area-curve')).not.toBeNull(),
      );
    });

    it('shows the request duration and the trace span apart, and filters on the request', async () => {
      const api = mockApi();
      render(api);
      const row = (await screen.findByText('POST /v1/items')).closest('tr')!;
      expect(row).toHaveTextContent('4.2 ms');
      expect(row).toHaveTextContent('262 ms');
      await selectOption('Request slower than', '100 ms');
      await waitFor(() =>
        expect(api.listTraces).toHaveBeenLastCalledWith(
          'component:default/orders',
          expect.objectContaining({ minDurationMs: 100 }),
        ),
      );
    });

    it('loads more than 50 traces on request', async () => {
      const many = Array.from({ length: 50 }, (_, i) => ({
        ...healthy,
        traceId: `t${i}`,
        rootService: 'orders',
        rootOperation: `GET /n/${i}`,
        startTime: NOW - i * 1000,
        durationMs: 5,
        rootDurationMs: 5,
        spanCount: 1,
        errorCount: 0,
        services: ['orders'],
      }));
      const api = mockApi({
        listTraces: jest.fn(async () => ok(many, 'embedded')),
      });
      render(api);
      const more = await screen.findByTestId('traces-more');
      expect(more).toHaveTextContent('The newest 50 traces of this window');
      await reloadingAction(() =>
        userEvent.click(
          within(more).getByRole('button', { name: 'Load 50 more' }),
        ),
      );
      await waitFor(() =>
        expect(api.listTraces).toHaveBeenLastCalledWith(
          'component:default/orders',
          expect.objectContaining({ limit: 100 }),
        ),
      );
    });

    it('keeps range, environment and the selected trace in the URL', async () => {
      (Element.prototype.scrollIntoView as jest.Mock).mockClear();
      const api = mockApi();
      render(api, entity, { defaultRefreshMs: 0 }, '/?range=24h&trace=trace-1');
      expect(
        await screen.findByTestId('trace-waterfall', {}, { timeout: 5000 }),
      ).toBeInTheDocument();
      expect(api.getTrace).toHaveBeenCalledWith(
        'component:default/orders',
        'trace-1',
        { environment: 'default' },
      );
      expect(
        screen.getByRole('button', { name: 'Time range' }),
      ).toHaveTextContent('Last 24 hours');
      const [, window] = api.getMetricsSummary.mock.calls.at(-1)!;
      expect(Date.parse(window!.to!) - Date.parse(window!.from!)).toBe(
        24 * 3_600_000,
      );
      // the waterfall is scrolled into view when a trace opens
      expect(Element.prototype.scrollIntoView).toHaveBeenCalled();
    });

    it('opens the environment named in the URL', async () => {
      const api = mockApi({
        getEnvironments: jest.fn(async () => [
          {
            name: 'default',
            baseUrl: 'http://localhost:8080',
            metricsSource: 'direct',
            tracesSource: 'embedded',
          },
          {
            name: 'staging',
            title: 'Staging',
            baseUrl: 'http://staging:8080',
            metricsSource: 'prometheus',
            tracesSource: 'tempo',
          },
        ]),
      });
      render(api, entity, { defaultRefreshMs: 0 }, '/?env=staging');
      await screen.findByText('Healthy');
      expect(api.getHealth).toHaveBeenCalledWith('component:default/orders', {
        environment: 'staging',
      });
      expect(api.getHealth).not.toHaveBeenCalledWith(
        'component:default/orders',
        { environment: 'default' },
      );
    });

    it('names annotated environments the portal does not configure', async () => {
      const api = mockApi();
      render(api, {
        ...entity,
        metadata: {
          ...entity.metadata,
          annotations: {
            ...entity.metadata.annotations,
            'service-health.io/base-url.staging': 'http://staging:8080',
          },
        },
      });
      const notice = await screen.findByTestId('unconfigured-environments');
      expect(notice).toHaveTextContent(
        'Not shown: 1 annotated environment this portal does not configure',
      );
      expect(notice).toHaveTextContent(
        '"staging" (service-health.io/base-url.staging)',
      );
      expect(await screen.findByText('Healthy')).toBeInTheDocument();
    });

    it('says so when no annotated environment is configured at all', async () => {
      const api = mockApi({ getEnvironments: jest.fn(async () => []) });
      render(api, {
        ...entity,
        metadata: {
          ...entity.metadata,
          annotations: { 'service-health.io/base-url.staging': 'http://s:1' },
        },
      });
      expect(
        await screen.findByTestId('unconfigured-environments'),
      ).toHaveTextContent('no annotated environment is configured');
      expect(api.getHealth).not.toHaveBeenCalled();
    });
  });
});
