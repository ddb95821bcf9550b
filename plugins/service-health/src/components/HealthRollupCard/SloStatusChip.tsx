import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import type {
  EntitySloStatus,
  SloRollupState,
} from '@fastify-backstage/plugin-service-health-common';
import { formatBudget, formatTime } from '../shared/format';

/** An SLI or a target with the precision SLOs are written in: 0.999 → "99.9 %", 0.99213 → "99.213 %". */
function sloPercent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(3))} %`;
}
import { DisplayStatus, StatusBadge } from '../shared/status';

const chips: Record<
  Exclude<SloRollupState, 'none'>,
  { display: DisplayStatus; label: string }
> = {
  breached: { display: 'fail', label: 'Breached' },
  'at-risk': { display: 'warn', label: 'At risk' },
  met: { display: 'pass', label: 'Met' },
  'no-data': { display: 'unknown', label: 'No data' },
};

/** The hover text: each SLO with its SLI against the target and the budget left. */
function SloDetails(props: { slo: EntitySloStatus }) {
  const { slo } = props;
  return (
    <div data-testid="slo-details">
      {slo.reason && <Typography variant="body2">{slo.reason}</Typography>}
      {slo.slos?.map(s => (
        <Typography variant="body2" key={s.name}>
          {s.name}: {s.sli === undefined ? 'no requests' : sloPercent(s.sli)}{' '}
          for a target of {sloPercent(s.target)} over {s.window}, budget left{' '}
          {formatBudget(s.errorBudgetRemaining)}
        </Typography>
      ))}
      {slo.asOf && (
        <Typography variant="body2">As of {formatTime(slo.asOf)}</Typography>
      )}
    </div>
  );
}

/**
 * A service's SLO standing in the roll-up: the worst of its SLOs (breached,
 * at risk, met, no data) with the budget left of that SLO, and every SLO on
 * hover. "No SLO" for a service without an OpenSLO file, "–" when the SLO
 * read failed.
 */
export function SloStatusChip(props: {
  slo: EntitySloStatus | null | undefined;
}) {
  const { slo } = props;
  if (slo === undefined) {
    // the SLO read failed (the card says why)
    return (
      <Typography
        variant="caption"
        color="textSecondary"
        data-testid="rollup-slo"
        data-slo-state="unavailable"
      >
        –
      </Typography>
    );
  }
  if (!slo || slo.state === 'none') {
    return (
      <Typography
        variant="caption"
        color="textSecondary"
        data-testid="rollup-slo"
        data-slo-state="none"
      >
        No SLO
      </Typography>
    );
  }
  const { display, label } = chips[slo.state];
  const budget = slo.worst?.errorBudgetRemaining;
  return (
    <Tooltip title={<SloDetails slo={slo} />}>
      <span
        data-testid="rollup-slo"
        data-slo-state={slo.state}
        aria-label={`SLO ${label.toLocaleLowerCase('en-US')}${
          budget !== undefined ? `, budget left ${formatBudget(budget)}` : ''
        }`}
      >
        <StatusBadge
          status={display}
          label={`SLO ${label.toLocaleLowerCase('en-US')}`}
        />
      </span>
    </Tooltip>
  );
}
