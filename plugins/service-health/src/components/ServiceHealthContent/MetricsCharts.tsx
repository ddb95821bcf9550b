import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme, useTheme } from '@material-ui/core/styles';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  YAxisProps,
} from 'recharts';
import type { MetricsPoint } from '@fastify-backstage/plugin-service-health-common';
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

function last<T>(
  points: MetricsPoint[],
  pick: (p: MetricsPoint) => T | undefined,
) {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = pick(points[i]);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
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

/** The latency chart's lines; p99 dashed so it reads apart from p95 without colour. */
const LATENCY_LINES = [
  { key: 'p50Ms', name: 'p50', dash: undefined },
  { key: 'p95Ms', name: 'p95', dash: undefined },
  { key: 'p99Ms', name: 'p99', dash: '4 2' },
] as const;

/**
 * Request rate, error rate and latency percentiles over the window.
 * Default export: loaded lazily with the tab so recharts stays out of the
 * entity page's first bundle.
 */
export default function MetricsCharts(props: {
  points: MetricsPoint[];
  from: number;
  to: number;
}) {
  const { points, to } = props;
  const classes = useStyles();
  const theme = useTheme();
  // A service that started recently has data for a sliver of the window:
  // zoom to where the data is instead of drawing a flat line at the edge.
  const firstData = points.find(
    p =>
      p.requestRate !== undefined &&
      p.requestRate !== null &&
      p.requestRate > 0,
  );
  const firstT = firstData ? firstData.t : props.from;
  const sparse = firstT - props.from > 0.75 * (to - props.from);
  const from = sparse
    ? Math.max(props.from, firstT - Math.max(60_000, (to - firstT) * 0.1))
    : props.from;
  const range = to - from;
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
    axisProps: Pick<YAxisProps, 'domain' | 'tickFormatter' | 'unit'>,
  ) => (
    <YAxis
      tick={axis}
      width={48}
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
  /**
   * One filled series over time (request rate, error rate). A function, not a
   * component: recharts finds Area/YAxis/Tooltip by their type among the
   * chart's direct children.
   */
  const areaChart = (chart: {
    dataKey: 'requestRate' | 'errorPct';
    color: string;
    fillOpacity: number;
    yAxis: Pick<YAxisProps, 'domain' | 'tickFormatter' | 'unit'>;
    tooltip: (v: any) => [string, string];
  }) => (
    <AreaChart data={data} margin={margin}>
      {grid}
      {xAxis}
      {yAxis(chart.yAxis)}
      <Tooltip {...tooltipStyle} formatter={chart.tooltip} />
      <Area
        type="monotone"
        dataKey={chart.dataKey}
        stroke={chart.color}
        fill={chart.color}
        fillOpacity={chart.fillOpacity}
        strokeWidth={2}
        isAnimationActive={false}
        connectNulls
      />
    </AreaChart>
  );

  return (
    <>
      {sparse && (
        <Typography
          variant="caption"
          color="textSecondary"
          component="div"
          className={classes.since}
        >
          Data since {formatTime(firstT)}; charts zoomed to it.
        </Typography>
      )}
      <div className={classes.grid}>
        <ChartBox
          title="Request rate"
          current={formatRate(last(points, p => p.requestRate))}
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
          current={formatPercent(last(points, p => p.errorRate))}
          testId="chart-error-rate"
        >
          {areaChart({
            dataKey: 'errorPct',
            color: seriesColors.error,
            fillOpacity: 0.12,
            yAxis: {
              domain: [0, (max: number) => Math.max(1, Math.ceil(max))],
              tickFormatter: v => `${+Number(v).toFixed(1)} %`,
            },
            tooltip: v => [formatPercent(Number(v) / 100), 'Errors'],
          })}
        </ChartBox>
        <ChartBox
          title="Latency"
          current={`p95 ${formatDuration(last(points, p => p.p95Ms))}`}
          testId="chart-latency"
        >
          <LineChart data={data} margin={margin}>
            {grid}
            {xAxis}
            {yAxis({
              tickFormatter: v =>
                Number(v) === 0 ? '0' : formatDuration(Number(v)),
            })}
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
                connectNulls
              />
            ))}
          </LineChart>
        </ChartBox>
      </div>
    </>
  );
}
