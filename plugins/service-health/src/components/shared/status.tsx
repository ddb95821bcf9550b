import { makeStyles, Theme } from '@material-ui/core/styles';
import Tooltip from '@material-ui/core/Tooltip';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import WarningIcon from '@material-ui/icons/Warning';
import PowerOffIcon from '@material-ui/icons/PowerSettingsNew';
import HelpIcon from '@material-ui/icons/HelpOutline';
import type {
  HealthSnapshot,
  ProbeStatus,
} from '@fastify-backstage/plugin-service-health-common';

/** Status of anything we show: a probe, a check, a point of the strip. */
export type DisplayStatus = ProbeStatus | 'unknown';

/**
 * The one set of status colours of the plugin (strip, chips, charts, waterfall).
 * Close to Backstage's own status palette so it sits well next to core components.
 */
export const statusColors: Record<DisplayStatus, string> = {
  pass: '#1DB954',
  warn: '#F59E0B',
  fail: '#E22134',
  down: '#7F1D1D',
  unknown: '#9CA3AF',
};

/**
 * A service that has never passed a probe has not started yet: that is no
 * outage (no red banner, no 0 % uptime) but a state of its own.
 */
export function isNotStarted(snapshot: HealthSnapshot | undefined): boolean {
  return (
    !!snapshot?.lifecycle &&
    !snapshot.lifecycle.firstUpAt &&
    snapshot.status === 'down'
  );
}

/** Colours of chart series, consistent across charts. */
export const seriesColors = {
  rate: '#2563EB',
  error: statusColors.fail,
  p50: '#0EA5E9',
  p95: '#8B5CF6',
  p99: '#DB2777',
};

/** Thresholds for colouring figures; on-call folklore, not SLOs. */
export function errorRateColor(rate: number | undefined) {
  if (rate === undefined) return undefined;
  if (rate >= 0.05) return statusColors.fail;
  if (rate >= 0.01) return statusColors.warn;
  return statusColors.pass;
}

const overallLabels: Record<DisplayStatus, string> = {
  pass: 'Healthy',
  warn: 'Degraded',
  fail: 'Failing',
  down: 'Down',
  unknown: 'Unknown',
};

const checkLabels: Record<DisplayStatus, string> = {
  pass: 'Pass',
  warn: 'Warn',
  fail: 'Fail',
  down: 'Down',
  unknown: 'Unknown',
};

export function statusLabel(
  status: DisplayStatus,
  variant: 'overall' | 'check' = 'check',
) {
  return (variant === 'overall' ? overallLabels : checkLabels)[status];
}

const icons: Record<DisplayStatus, typeof CheckCircleIcon> = {
  pass: CheckCircleIcon,
  warn: WarningIcon,
  fail: ErrorIcon,
  down: PowerOffIcon,
  unknown: HelpIcon,
};

const useStyles = makeStyles((theme: Theme) => ({
  badge: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    borderRadius: 12,
    padding: '1px 8px 1px 4px',
    fontSize: '0.8125rem',
    fontWeight: 500,
    lineHeight: '20px',
    whiteSpace: 'nowrap',
  },
  large: {
    borderRadius: 16,
    padding: '4px 14px 4px 8px',
    fontSize: '1rem',
    fontWeight: 600,
    lineHeight: '24px',
    gap: theme.spacing(0.75),
  },
  icon: { fontSize: 16 },
  iconLarge: { fontSize: 22 },
  dot: {
    display: 'inline-block',
    width: 8,
    height: 8,
    borderRadius: '50%',
    flexShrink: 0,
  },
}));

function withAlpha(hex: string, alpha: number) {
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return `${hex}${a}`;
}

/** A status pill: coloured icon and label on a tinted background. */
export function StatusBadge(props: {
  status: DisplayStatus;
  variant?: 'overall' | 'check';
  size?: 'small' | 'large';
  label?: string;
}) {
  const { status, variant = 'check', size = 'small', label } = props;
  const classes = useStyles();
  const Icon = icons[status] ?? HelpIcon;
  const color = statusColors[status] ?? statusColors.unknown;
  return (
    <span
      className={`${classes.badge} ${size === 'large' ? classes.large : ''}`}
      style={{ background: withAlpha(color, 0.14) }}
      data-status={status}
      role="status"
      aria-label={label ?? statusLabel(status, variant)}
    >
      <Icon
        className={size === 'large' ? classes.iconLarge : classes.icon}
        style={{ color }}
      />
      <span>{label ?? statusLabel(status, variant)}</span>
    </span>
  );
}

/** A small coloured dot, for dense places (tables, legends). */
export function StatusDot(props: { status: DisplayStatus; title?: string }) {
  const classes = useStyles();
  const dot = (
    <span
      className={classes.dot}
      style={{ background: statusColors[props.status] }}
      data-status={props.status}
    />
  );
  return props.title ? <Tooltip title={props.title}>{dot}</Tooltip> : dot;
}
