import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import type { EntityStatus } from '@fastify-backstage/plugin-service-health-common';
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatRelative,
  formatTime,
} from '../shared/format';
import { DisplayStatus, StatusBadge } from '../shared/status';

/** How a catalog state shows: the badge's colour/icon and its words. */
export function chipOf(status: EntityStatus | null | undefined): {
  display: DisplayStatus;
  label: string;
} {
  switch (status?.state) {
    case 'pass':
      return { display: 'pass', label: 'Healthy' };
    case 'warn':
      return { display: 'warn', label: 'Degraded' };
    case 'fail':
      return status.probeStatus === 'down'
        ? { display: 'down', label: 'Down' }
        : { display: 'fail', label: 'Failing' };
    case 'not-started':
      return { display: 'down', label: 'Not started' };
    default:
      return { display: 'unknown', label: 'Unknown' };
  }
}

/** "since 14:02:10 (12 min ago)", "since at least ..." when it may be older. */
export function sinceText(status: EntityStatus): string | undefined {
  if (!status.since) return undefined;
  const at = `${formatTime(status.since)} (${formatRelative(status.since)})`;
  return status.sinceIsLowerBound ? `since at least ${at}` : `since ${at}`;
}

/** The hover text: since when, p95 and error rate of the last hour, last probe. */
export function StatusDetails(props: { status: EntityStatus }) {
  const { status } = props;
  const { label } = chipOf(status);
  const m = status.metrics;
  return (
    <div data-testid="health-details">
      <Typography variant="body2">
        {status.state === 'not-started'
          ? `Not started: no passing probe ${sinceText(status) ?? ''}`
          : `${label} ${sinceText(status) ?? ''}`}
      </Typography>
      {status.reason && (
        <Typography variant="body2">{status.reason}</Typography>
      )}
      {m ? (
        <Typography variant="body2">
          p95 {formatDuration(m.p95Ms)} · errors {formatPercent(m.errorRate)} of{' '}
          {formatCount(m.requests)} requests ({formatTime(m.from)}–
          {formatTime(m.to)})
        </Typography>
      ) : (
        status.state !== 'unknown' && (
          <Typography variant="body2">
            No request figures from the direct scrape in the last hour
          </Typography>
        )
      )}
      {status.checkedAt && (
        <Typography variant="body2">
          Last probe {formatRelative(status.checkedAt)}
          {status.environment && status.environment !== 'default'
            ? ` (${status.environment})`
            : ''}
        </Typography>
      )}
    </div>
  );
}

/** A status chip with the details on hover. */
export function HealthStatusChip(props: { status: EntityStatus | null }) {
  const { status } = props;
  const { display, label } = chipOf(status);
  if (!status) {
    return <StatusBadge status="unknown" label="Unknown" />;
  }
  return (
    <Tooltip title={<StatusDetails status={status} />}>
      <span data-health-state={status.state}>
        <StatusBadge status={display} label={label} />
      </span>
    </Tooltip>
  );
}
