import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import type {
  HealthHistory,
  ProbeStatus,
} from '@fastify-backstage/plugin-service-health-common';
import { DisplayStatus, statusColors, statusLabel } from '../shared/status';
import { formatDuration, formatPercent, formatTime } from '../shared/format';

const severity: Record<DisplayStatus, number> = {
  unknown: 0,
  pass: 1,
  warn: 2,
  fail: 3,
  down: 4,
};

export interface UptimeBucket {
  from: number;
  to: number;
  status: DisplayStatus;
  probes: number;
  worstLatencyMs?: number;
  /** Every probe of the bucket came before the service first passed one. */
  notStarted?: boolean;
}

/**
 * Buckets the probes of the window; each bucket shows its worst status.
 * Probes before the service's first pass are "not started yet", not downtime.
 */
export function bucketHistory(
  history: HealthHistory,
  buckets = 60,
): UptimeBucket[] {
  const from = Date.parse(history.from);
  const to = Date.parse(history.to);
  const span = Math.max(1, to - from);
  const size = span / buckets;
  const result: UptimeBucket[] = Array.from({ length: buckets }, (_, i) => ({
    from: from + i * size,
    to: from + (i + 1) * size,
    status: 'unknown' as DisplayStatus,
    probes: 0,
  }));
  const firstUp = history.firstUpAt ? Date.parse(history.firstUpAt) : Infinity;
  const beforeStart = new Set<UptimeBucket>();
  for (const point of history.points) {
    const t = Date.parse(point.checkedAt);
    if (!Number.isFinite(t) || t < from || t > to) continue;
    const bucket = result[Math.min(buckets - 1, Math.floor((t - from) / size))];
    if (t < firstUp) {
      if (bucket.probes === 0) beforeStart.add(bucket);
      continue;
    }
    beforeStart.delete(bucket);
    bucket.probes++;
    if (severity[point.status as ProbeStatus] > severity[bucket.status]) {
      bucket.status = point.status;
    }
    if (
      point.latencyMs !== undefined &&
      (bucket.worstLatencyMs === undefined ||
        point.latencyMs > bucket.worstLatencyMs)
    ) {
      bucket.worstLatencyMs = point.latencyMs;
    }
  }
  for (const bucket of beforeStart) bucket.notStarted = true;
  return result;
}

const useStyles = makeStyles((theme: Theme) => ({
  header: {
    display: 'flex',
    alignItems: 'baseline',
    justifyContent: 'space-between',
    marginBottom: theme.spacing(0.75),
  },
  ratio: { fontWeight: 600, fontVariantNumeric: 'tabular-nums' },
  counted: { color: theme.palette.text.secondary, fontWeight: 400 },
  strip: { display: 'flex', gap: 2, height: 28, alignItems: 'stretch' },
  bar: {
    flex: 1,
    minWidth: 2,
    borderRadius: 2,
    transition: 'transform 80ms',
    '&:hover': { transform: 'scaleY(1.15)' },
  },
  axis: {
    display: 'flex',
    justifyContent: 'space-between',
    color: theme.palette.text.secondary,
    marginTop: theme.spacing(0.5),
  },
}));

function bucketTitle(bucket: UptimeBucket) {
  if (bucket.notStarted) return `${formatTime(bucket.from)}: not started yet`;
  if (bucket.probes === 0) return `${formatTime(bucket.from)}: no probes`;
  const slowest =
    bucket.worstLatencyMs !== undefined
      ? `, slowest ${formatDuration(bucket.worstLatencyMs)}`
      : '';
  return `${formatTime(bucket.from)} – ${formatTime(bucket.to)}: ${statusLabel(
    bucket.status,
    'overall',
  )} (${bucket.probes} probe${bucket.probes === 1 ? '' : 's'}${slowest})`;
}

/** Faint before the service started, pale without probes. */
function bucketOpacity(bucket: UptimeBucket) {
  if (bucket.notStarted) return 0.15;
  return bucket.status === 'unknown' ? 0.3 : 1;
}

function ratioText(history: HealthHistory) {
  if (history.uptimeRatio !== undefined) {
    return formatPercent(history.uptimeRatio);
  }
  if (history.points.length === 0) return 'no probes';
  return history.firstUpAt ? 'no probes' : 'not started yet';
}

/** What the ratio counts: "since 17:02:10, 12 probes". */
function countedNote(history: HealthHistory) {
  const n = history.countedProbes ?? history.points.length;
  const probes = `${n} probe${n === 1 ? '' : 's'}`;
  return history.countedFrom && history.countedFrom !== history.from
    ? `since ${formatTime(history.countedFrom)}, ${probes}`
    : probes;
}

/** The uptime strip: one bar per slice of the window, coloured by its worst probe. */
export function UptimeStrip(props: { history: HealthHistory; label: string }) {
  const { history, label } = props;
  const classes = useStyles();
  const buckets = bucketHistory(history);
  return (
    <div data-testid="uptime-strip">
      <div className={classes.header}>
        <Typography variant="body2" color="textSecondary">
          Uptime · {label.toLowerCase()}
        </Typography>
        <Typography
          variant="body2"
          className={classes.ratio}
          data-testid="uptime-ratio"
        >
          {history.uptimeRatio !== undefined && (
            <span className={classes.counted}>
              {countedNote(history)}
              {' · '}
            </span>
          )}
          {ratioText(history)}
        </Typography>
      </div>
      <div className={classes.strip} role="img" aria-label="Uptime history">
        {buckets.map(bucket => (
          <Tooltip key={bucket.from} title={bucketTitle(bucket)}>
            <span
              className={classes.bar}
              data-status={bucket.notStarted ? 'not-started' : bucket.status}
              style={{
                background: statusColors[bucket.status],
                opacity: bucketOpacity(bucket),
              }}
            />
          </Tooltip>
        ))}
      </div>
      <Typography variant="caption" component="div" className={classes.axis}>
        <span>{formatTime(history.from)}</span>
        <span>now</span>
      </Typography>
    </div>
  );
}
