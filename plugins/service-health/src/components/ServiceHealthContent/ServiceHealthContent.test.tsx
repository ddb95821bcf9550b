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
  entityWithoutAnnotations,
  history,
  mockApi,
  ok,
  summary,
} from '../../testing/fixtures';
import { ServiceHealthContent } from './ServiceHealthContent';

function render(
  api: ServiceHealthApi,
  e = entity,
  props: Parameters<typeof ServiceHealthContent>[0] = { defaultRefreshMs: 0 },
) {
  return renderInTestApp(
    <EntityProvider entity={e}>
      <ServiceHealthContent {...props} />
    </EntityProvider>,
    { apis: [[serviceHealthApiRef, api]] },
  );
}

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
    expect(screen.getByText('No dependency checks')).toBeInTheDocument();
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
    const [, series] = api.getMetricsSeries.mock.calls.at(-1)!;
    expect(series!.stepSeconds).toBe(900);
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
    await selectOption('Slower than', '250 ms');
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
});
