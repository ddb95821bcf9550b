import { useTheme } from '@material-ui/core/styles';
import {
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { SloHistoryPoint } from '@fastify-backstage/plugin-service-health-common';
import { formatClock, formatTime } from '../shared/format';

/**
 * The error budget left over the range, in percent: 100 % is untouched, 0 %
 * spent, below 0 overspent. Default export: loaded lazily with the tab so
 * recharts stays out of the entity page's first bundle.
 */
export default function SloBudgetChart(props: {
  points: SloHistoryPoint[];
  from: number;
  to: number;
}) {
  const theme = useTheme();
  const data = props.points
    .filter(p => p.errorBudgetRemaining !== undefined)
    .map(p => ({ t: p.t, budget: p.errorBudgetRemaining! * 100 }));
  const low = Math.min(0, ...data.map(p => p.budget));
  const axis = { stroke: theme.palette.text.secondary, fontSize: 10 };
  return (
    <ResponsiveContainer width="100%" height={90}>
      <LineChart data={data} margin={{ top: 4, right: 8, left: 0, bottom: 0 }}>
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[props.from, props.to]}
          tickFormatter={t => formatClock(t, props.to - props.from)}
          tick={axis}
          stroke={theme.palette.divider}
          minTickGap={40}
        />
        <YAxis
          domain={[Math.floor(low / 50) * 50, 100]}
          ticks={low < 0 ? [Math.floor(low / 50) * 50, 0, 100] : [0, 50, 100]}
          tickFormatter={v => `${v} %`}
          tick={axis}
          width={48}
          stroke={theme.palette.divider}
        />
        <ReferenceLine y={0} stroke={theme.palette.divider} />
        <Tooltip
          labelFormatter={t => formatTime(Number(t))}
          formatter={(v: any) => [`${Math.round(Number(v))} %`, 'Budget left']}
          contentStyle={{
            background: theme.palette.background.paper,
            border: `1px solid ${theme.palette.divider}`,
            fontSize: 12,
          }}
        />
        <Line
          type="monotone"
          dataKey="budget"
          stroke={theme.palette.primary.main}
          dot={false}
          strokeWidth={2}
          isAnimationActive={false}
        />
      </LineChart>
    </ResponsiveContainer>
  );
}
