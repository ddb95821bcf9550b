import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme, useTheme } from '@material-ui/core/styles';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  YAxisProps,
} from 'recharts';
import type {
  MetricsPoint,
  Release,
} from '@fastify-backstage/plugin-service-health-common';
import { seriesColors } from '../shared/status';
import {
  formatClock,
  formatDuration,
  formatPercent,
  formatRate,
  formatTime,
} from '../shared/format';

const useStyles = makeStyles((theme: Theme) => ({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(280px, 1fr))',
    gap: theme.spacing(2),
  },
  chart: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1, 1, 0.5, 0),
    minWidth: 0,
  },
  title: {
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'baseline',
    padding: theme.spacing(0, 0.5, 0.5, 2),
  },
  since: { marginBottom: theme.spacing(1) },
  current: {
    fontWeight: 600,
    fontVariantNumeric: 'tabular-nums',
    fontSize: '0.875rem',
  },
}));

const HEIGHT = 170;

/**
 * The newest value of a series and what it covers: "latest 15 s: 1.5 req/s"
 * when the last step has one, "at 17:22:05: 1.5 req/s" when the series
 * stopped earlier (a service that is down), so an old figure never reads as
 * the current one.
 */
function latest(
  points: MetricsPoint[],
  pick: (p: MetricsPoint) => number | undefined,
  step: string,
  format: (v: number | undefined) => string,
) {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = pick(points[i]);
    if (v !== undefined && v !== null) {
      const when =
        i === points.length - 1
          ? `latest ${step}`
          : `at ${formatTime(points[i].t)}`;
      return `${when}: ${format(v)}`;
    }
  }
  return `latest ${step}: ${format(undefined)}`;
}

function ChartBox(props: {
  title: string;
  current: string;
  children: JSX.Element;
  testId: string;
}) {
  const classes = useStyles();
  return (
    <div className={classes.chart} data-testid={props.testId}>
      <div className={classes.title}>
        <Typography variant="subtitle2">{props.title}</Typography>
        <span className={classes.current}>{props.current}</span>
      </div>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {props.children}
      </ResponsiveContainer>
    </div>
  );
}

/** A latency tick, short enough for the axis: "40 ms", "1.5 s". */
function axisDuration(v: unknown) {
  const ms = Number(v);
  if (ms < 1) return `${+(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${+ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** The latency chart's lines; p99 dashed so it reads apart from p95 without colour. */
const LATENCY_LINES = [
  { key: 'p50Ms', name: 'p50', dash: undefined },
  { key: 'p95Ms', name: 'p95', dash: undefined },
  { key: 'p99Ms', name: 'p99', dash: '4 2' },
] as const;

/** "1 min", "15 min", "1 h": the length of one step, for people. */
export function stepLabel(stepSeconds: number) {
  if (stepSeconds < 60) return `${stepSeconds} s`;
  if (stepSeconds < 3600) return `${+(stepSeconds / 60).toFixed(1)} min`;
  return `${+(stepSeconds / 3600).toFixed(1)} h`;
}

/**
 * Axis ticks at round values: 0 and up to five steps of 1, 2, 2.5 or 5 times
 * a power of ten reaching the highest value (at least `minTop`), e.g.
 * 0 / 0.05 / 0.1 % or 0 / 50 / 100 / 150 / 200 / 250 ms.
 */
export function niceTicks(max: number, minTop: number): number[] {
  const top = Math.max(Number.isFinite(max) ? max : 0, minTop);
  const power = 10 ** Math.floor(Math.log10(top / 5));
  const step =
    [1, 2, 2.5, 5, 10].map(m => m * power).find(n => n * 5 >= top) ??
    10 * power;
  const ticks = [0];
  while (ticks[ticks.length - 1] < top - step * 1e-9) {
    ticks.push(+(ticks[ticks.length - 1] + step).toPrecision(12));
  }
  return ticks;
}

/** "1.2.0 (sha-abc)", "1.2.0" or "sha-abc": what a release is called. */
export function releaseLabel(r: { version?: string; releaseId?: string }) {
  if (r.version && r.releaseId) return `${r.version} (${r.releaseId})`;
  return r.version ?? r.releaseId ?? 'unknown release';
}

/**
 * Request rate, error rate and latency percentiles over the window.
 * Default export: loaded lazily with the tab so recharts stays out of the
 * entity page's first bundle.
 */
export default function MetricsCharts(props: {
  points: MetricsPoint[];
  from: number;
  to: number;
  /** Oldest data the source holds, when inside the window: charts start there. */
  dataSince?: number;
  stepSeconds: number;
  /** Deploy markers: releases first seen in the window (those with a previous one are deploys). */
  releases?: Release[];
}) {
  const { points, to, dataSince, stepSeconds } = props;
  const classes = useStyles();
  const theme = useTheme();
  // A service watched for a short while has data for a sliver of the window:
  // the charts start where the data starts (a stable time: the oldest stored
  // sample), instead of drawing a dot at the edge.
  const from =
    dataSince !== undefined && dataSince > props.from ? dataSince : props.from;
  const step = stepLabel(stepSeconds);
  const range = to - from;
  // A release the portal saw replace another is a deploy; the first one it
  // ever saw only marks when it started looking, so it gets no marker.
  const deploys = (props.releases ?? [])
    .filter(r => r.previous)
    .map(r => ({ ...r, t: Date.parse(r.seenAt) }))
    .filter(r => r.t >= from && r.t <= to);
  const markers = deploys.map(r => (
    <ReferenceLine
      key={`deploy-${r.t}`}
      x={r.t}
      stroke={theme.palette.text.secondary}
      strokeDasharray="4 3"
      ifOverflow="hidden"
      label={{
        value: `▲ ${releaseLabel(r)}`,
        // Right of the line in the chart's left half, left of it in the right half:
        // a recent deploy's label would otherwise run off the chart's edge.
        position: r.t > from + range / 2 ? 'insideTopRight' : 'insideTopLeft',
        fontSize: 10,
        fill: theme.palette.text.secondary,
      }}
    />
  ));
  const axis = {
    stroke: theme.palette.text.secondary,
    fontSize: 11,
  };
  const grid = (
    <CartesianGrid
      stroke={theme.palette.divider}
      strokeDasharray="3 3"
      vertical={false}
    />
  );
  const xAxis = (
    <XAxis
      dataKey="t"
      type="number"
      scale="time"
      domain={[from, to]}
      allowDataOverflow
      tickFormatter={t => formatClock(t, range)}
      tick={axis}
      stroke={theme.palette.divider}
      minTickGap={40}
    />
  );
  const margin = { top: 4, right: 12, left: 0, bottom: 0 };
  const yAxis = (
    axisProps: Pick<YAxisProps, 'domain' | 'tickFormatter' | 'unit' | 'ticks'>,
  ) => (
    <YAxis
      tick={axis}
      width={64}
      stroke={theme.palette.divider}
      {...axisProps}
    />
  );
  const tooltipStyle = {
    contentStyle: {
      background: theme.palette.background.paper,
      border: `1px solid ${theme.palette.divider}`,
      borderRadius: 4,
      fontSize: 12,
    },
    labelFormatter: (t: any) => formatTime(Number(t)),
  };
  const data = points
    .filter(p => p.t >= from)
    .map(p => ({
      ...p,
      errorPct: p.errorRate === undefined ? undefined : p.errorRate * 100,
    }));
  const errorTickValues = niceTicks(
    Math.max(0, ...data.map(p => p.errorPct ?? 0)),
    0.1,
  );
  const latencyTickValues = niceTicks(
    Math.max(
      0,
      ...data.flatMap(p => [p.p50Ms ?? 0, p.p95Ms ?? 0, p.p99Ms ?? 0]),
    ),
    1,
  );
  const errorTop = errorTickValues[errorTickValues.length - 1];
  /**
   * One filled series over time (request rate, error rate). A function, not a
   * component: recharts finds Area/YAxis/Tooltip by their type among the
   * chart's direct children.
   */
  const areaChart = (chart: {
    dataKey: 'requestRate' | 'errorPct';
    color: string;
    fillOpacity: number;
    yAxis: Pick<YAxisProps, 'domain' | 'tickFormatter' | 'unit' | 'ticks'>;
    tooltip: (v: any) => [string, string];
  }) => (
    <AreaChart data={data} margin={margin}>
      {grid}
      {xAxis}
      {yAxis(chart.yAxis)}
      <Tooltip {...tooltipStyle} formatter={chart.tooltip} />
      {markers}
      <Area
        type="monotone"
        dataKey={chart.dataKey}
        stroke={chart.color}
        fill={chart.color}
        fillOpacity={chart.fillOpacity}
        strokeWidth={2}
        isAnimationActive={false}
        connectNulls={false}
      />
    </AreaChart>
  );

  return (
    <>
      <Typography
        variant="caption"
        color="textSecondary"
        component="div"
        className={classes.since}
        data-testid="series-caption"
      >
        {from > props.from
          ? `Data since ${formatTime(
              from,
            )} (the oldest sample kept); charts start there. `
          : ''}
        One point per {step}; empty stretches are times without samples (the
        service was down or not scraped).
        {deploys.length > 0 && (
          <span data-testid="deploy-markers">
            {' '}
            Dashed lines mark deploys:{' '}
            {deploys
              .map(
                r =>
                  `${releaseLabel(r)} at ${formatTime(r.t)} (was ${releaseLabel(
                    r.previous!,
                  )})`,
              )
              .join('; ')}
            .
          </span>
        )}
      </Typography>
      <div className={classes.grid}>
        <ChartBox
          title="Request rate"
          current={latest(points, p => p.requestRate, step, formatRate)}
          testId="chart-request-rate"
        >
          {areaChart({
            dataKey: 'requestRate',
            color: seriesColors.rate,
            fillOpacity: 0.15,
            yAxis: {
              tickFormatter: v =>
                v >= 1000 ? `${v / 1000}k` : `${+Number(v).toFixed(2)}`,
              unit: '',
            },
            tooltip: v => [formatRate(Number(v)), 'Requests'],
          })}
        </ChartBox>
        <ChartBox
          title="Error rate (5xx)"
          current={latest(points, p => p.errorRate, step, formatPercent)}
          testId="chart-error-rate"
        >
          {areaChart({
            dataKey: 'errorPct',
            color: seriesColors.error,
            fillOpacity: 0.12,
            yAxis: {
              domain: [0, errorTop],
              ticks: errorTickValues,
              tickFormatter: v => `${+Number(v).toPrecision(3)} %`,
            },
            tooltip: v => [formatPercent(Number(v) / 100), 'Errors'],
          })}
        </ChartBox>
        <ChartBox
          title="Latency"
          current={latest(
            points,
            p => p.p95Ms,
            step,
            v => `p95 ${formatDuration(v)}`,
          )}
          testId="chart-latency"
        >
          <LineChart data={data} margin={margin}>
            {grid}
            {xAxis}
            {yAxis({
              domain: [0, latencyTickValues[latencyTickValues.length - 1]],
              ticks: latencyTickValues,
              tickFormatter: v => (Number(v) === 0 ? '0' : axisDuration(v)),
            })}
            {markers}
            <Tooltip
              {...tooltipStyle}
              formatter={(v: any, name: any) => [
                formatDuration(Number(v)),
                name,
              ]}
            />
            <Legend
              iconType="plainline"
              iconSize={14}
              height={20}
              wrapperStyle={{ fontSize: 12 }}
            />
            {LATENCY_LINES.map(({ key, name, dash }) => (
              <Line
                key={key}
                type="monotone"
                dataKey={key}
                name={name}
                stroke={seriesColors[name]}
                dot={false}
                strokeWidth={2}
                strokeDasharray={dash}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
        </ChartBox>
      </div>
    </>
  );
}
