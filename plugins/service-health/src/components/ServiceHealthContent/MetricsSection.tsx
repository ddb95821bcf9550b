import { lazy, Suspense, useMemo } from 'react';
import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import { makeStyles, Theme } from '@material-ui/core/styles';
import type {
  MetricsSeries,
  Release,
  MetricsSummary,
  ProcessMetrics,
  RouteMetrics,
  SourceState,
  SourcedResponse,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { PolledData, usePolledData } from '../../hooks/usePolledData';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatTime,
} from '../shared/format';
import { NoData, SectionState, sourceName } from '../shared/SectionState';
import { Stat } from '../shared/Stat';
import { errorRateColor, seriesColors, statusColors } from '../shared/status';
import { RANGES, useServiceHealthContext } from './context';

const MetricsCharts = lazy(() => import('./MetricsCharts'));

const useStyles = makeStyles((theme: Theme) => ({
  stats: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(140px, 1fr))',
    gap: theme.spacing(1.5),
  },
  method: {
    fontFamily: 'monospace',
    fontWeight: 600,
    fontSize: '0.75rem',
    marginRight: theme.spacing(1),
    color: theme.palette.text.secondary,
  },
  route: { fontFamily: 'monospace', fontSize: '0.8125rem' },
  num: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' },
  process: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(160px, 1fr))',
    gap: theme.spacing(1.5),
  },
}));

const noRoutes = (
  <NoData title="No requests in this window">
    Routes appear once the service handles traffic.
  </NoData>
);

type NumericRouteField =
  | 'requestRate'
  | 'requests'
  | 'p50Ms'
  | 'p95Ms'
  | 'p99Ms';

function RouteTable(props: {
  routes: RouteMetrics[];
  covers: string;
  /** The counts are the source's estimates (Prometheus' increase()). */
  countsEstimated?: boolean;
}) {
  const { countsEstimated } = props;
  const classes = useStyles();
  // Stable props: material-table remounts its rows when columns change.
  const columns = useMemo<TableColumn<RouteMetrics>[]>(() => {
    /** A right-aligned number column, shown through its formatter. */
    const numeric = (
      title: string,
      field: NumericRouteField,
      format: (n: number | undefined) => string,
      extra: Partial<TableColumn<RouteMetrics>> = {},
    ): TableColumn<RouteMetrics> => ({
      title,
      field,
      type: 'numeric',
      ...extra,
      render: r => <span className={classes.num}>{format(r[field])}</span>,
    });
    return [
      {
        title: 'Route',
        field: 'route',
        highlight: true,
        width: '32%',
        render: r => (
          <span style={{ whiteSpace: 'nowrap' }}>
            <span className={classes.method}>{r.method}</span>
            <span className={classes.route}>{r.route}</span>
          </span>
        ),
      },
      numeric('Rate', 'requestRate', formatRate, { defaultSort: 'desc' }),
      numeric(
        countsEstimated ? 'Requests (est.)' : 'Requests',
        'requests',
        countsEstimated ? n => `≈ ${formatCount(n)}` : formatCount,
      ),
      {
        title: 'Errors',
        field: 'errorRate',
        type: 'numeric',
        render: r => (
          <span
            className={classes.num}
            style={{
              color:
                r.errorRate >= 0.01 ? errorRateColor(r.errorRate) : undefined,
              fontWeight: r.errorRate >= 0.01 ? 600 : undefined,
            }}
          >
            {formatPercent(r.errorRate)}
          </span>
        ),
      },
      numeric('p50', 'p50Ms', formatDuration),
      numeric('p95', 'p95Ms', formatDuration),
      numeric('p99', 'p99Ms', formatDuration),
    ];
  }, [classes, countsEstimated]);
  // material-table keeps row state by `id` (and warns about rows without one).
  const rows = useMemo(
    () => props.routes.map(r => ({ ...r, id: `${r.method} ${r.route}` })),
    [props.routes],
  );
  const many = props.routes.length > 10;
  const options = useMemo(
    () => ({
      paging: many,
      pageSize: 10,
      search: many,
      padding: 'dense' as const,
      draggable: false,
    }),
    [many],
  );
  return (
    <Table<RouteMetrics>
      title={`Routes (${props.covers})`}
      columns={columns}
      data={rows}
      options={options}
      emptyContent={noRoutes}
    />
  );
}

function lagColor(lagMs: number | undefined) {
  if (lagMs === undefined) return undefined;
  if (lagMs >= 200) return statusColors.fail;
  if (lagMs >= 50) return statusColors.warn;
  return undefined;
}

function ProcessStats(props: { process: ProcessMetrics }) {
  const classes = useStyles();
  const { process: p } = props;
  const lag = p.eventLoopLagP99Ms;
  return (
    <InfoCard title="Process">
      <div className={classes.process}>
        <Stat
          label="CPU"
          value={p.cpuUsage === undefined ? '–' : formatPercent(p.cpuUsage)}
          hint="of one core"
        />
        <Stat label="Memory (RSS)" value={formatBytes(p.residentMemoryBytes)} />
        <Stat label="Heap used" value={formatBytes(p.heapUsedBytes)} />
        <Stat
          label="Event-loop lag"
          value={formatDuration(lag)}
          hint="p99"
          color={lagColor(lag)}
        />
      </div>
    </InfoCard>
  );
}

/** "over the last hour", or "since 17:02:10" when the data starts inside the window. */
export function coverage(rangeLabel: string, dataSince?: string) {
  return dataSince
    ? `since ${formatTime(dataSince)}`
    : `over ${rangeLabel.replace(/^Last/, 'the last')}`;
}

function SummaryStats(props: { summary: MetricsSummary; covers: string }) {
  const classes = useStyles();
  const s = props.summary;
  // The tiles are one figure over the whole window (all routes); the chart
  // headers are the latest step. Both say which.
  const over = props.covers;
  return (
    <div className={classes.stats} data-testid="summary-stats">
      <Stat
        label="Requests"
        value={formatRate(s.requestRate)}
        color={seriesColors.rate}
        hint={`average ${over}`}
      />
      <Stat
        label="Error rate"
        value={formatPercent(s.errorRate)}
        color={errorRateColor(s.errorRate)}
        hint={`5xx responses ${over}`}
      />
      <Stat
        label="p50"
        value={formatDuration(s.p50Ms)}
        color={seriesColors.p50}
        hint={`all requests ${over}`}
      />
      <Stat
        label="p95"
        value={formatDuration(s.p95Ms)}
        color={seriesColors.p95}
        hint={`all requests ${over}`}
      />
      <Stat
        label="p99"
        value={formatDuration(s.p99Ms)}
        color={seriesColors.p99}
        hint={`all requests ${over}`}
      />
    </div>
  );
}

function Charts(props: {
  series: PolledData<SourcedResponse<MetricsSeries>>;
  releases: PolledData<SourcedResponse<Release[]>>;
}) {
  const { series } = props;
  if (series.loading) return <Progress />;
  const points = series.value?.data?.points ?? [];
  if (series.error || points.length === 0) {
    return (
      <NoData title="No time series yet">
        {series.error
          ? `Could not load the series: ${series.error.message}`
          : 'Charts fill in after a few scrapes of the service.'}
      </NoData>
    );
  }
  const data = series.value!.data!;
  return (
    <Suspense fallback={<Progress />}>
      <MetricsCharts
        points={points}
        from={Date.parse(data.from)}
        to={Date.parse(data.to)}
        dataSince={data.dataSince ? Date.parse(data.dataSince) : undefined}
        stepSeconds={data.stepSeconds}
        releases={props.releases.value?.data}
      />
    </Suspense>
  );
}

function subheader(range: string, source?: SourceState) {
  return `${RANGES[range as keyof typeof RANGES].label}${
    source ? ` · from ${sourceName(source.source)}` : ''
  }`;
}

export function MetricsSection() {
  const api = useApi(serviceHealthApiRef);
  const ctx = useServiceHealthContext();
  const summary = usePolledData(
    () =>
      api.getMetricsSummary(ctx.entityRef, {
        environment: ctx.environment,
        ...ctx.window,
      }),
    [ctx.window],
    ctx.resetKey,
  );
  const series = usePolledData(
    () =>
      api.getMetricsSeries(ctx.entityRef, {
        environment: ctx.environment,
        ...ctx.window,
        stepSeconds: ctx.stepSeconds,
      }),
    [ctx.window, ctx.stepSeconds],
    ctx.resetKey,
  );
  // Deploy markers; the charts draw without them when they fail to load.
  const releases = usePolledData(
    () =>
      api.getReleases(ctx.entityRef, {
        environment: ctx.environment,
        ...ctx.window,
      }),
    [ctx.window],
    ctx.resetKey,
  );
  const covers = coverage(
    RANGES[ctx.range].label,
    series.value?.data?.dataSince,
  );
  return (
    <InfoCard
      title="Metrics"
      subheader={subheader(ctx.range, summary.value?.source)}
    >
      <SectionState
        section="metrics"
        polled={summary}
        noData={
          <NoData>
            No metrics for this window. They appear once the service has been
            scraped and handled some requests.
          </NoData>
        }
      >
        {data => (
          <Grid container spacing={2}>
            <Grid item xs={12}>
              <SummaryStats summary={data} covers={covers} />
            </Grid>
            <Grid item xs={12}>
              <Charts series={series} releases={releases} />
            </Grid>
            <Grid item xs={12}>
              <RouteTable
                routes={data.routes}
                covers={covers}
                countsEstimated={data.countsEstimated}
              />
            </Grid>
            <Grid item xs={12}>
              <ProcessStats process={data.process} />
            </Grid>
          </Grid>
        )}
      </SectionState>
    </InfoCard>
  );
}
