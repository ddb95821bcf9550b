import { lazy, Suspense } from 'react';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import {
  BURN_WINDOWS,
  SLO_BURN_ALERTS,
  SloHistory,
  SloReport,
  SloStatus,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { usePolledData } from '../../hooks/usePolledData';
import {
  formatBudget,
  formatCount,
  formatDuration,
  formatTime,
} from '../shared/format';
import { NoData, SectionState } from '../shared/SectionState';
import { statusColors } from '../shared/status';
import { RANGES, useServiceHealthContext } from './context';

const SloBudgetChart = lazy(() => import('./SloBudgetChart'));

const useStyles = makeStyles((theme: Theme) => ({
  card: {
    border: `1px solid ${theme.palette.divider}`,
    borderLeft: '4px solid',
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1.5, 2),
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  },
  head: {
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'baseline',
    gap: theme.spacing(1),
  },
  name: { fontWeight: 600 },
  status: {
    fontSize: '0.75rem',
    fontWeight: 600,
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
    whiteSpace: 'nowrap',
  },
  what: { color: theme.palette.text.secondary, fontSize: '0.8125rem' },
  figures: {
    display: 'grid',
    gridTemplateColumns: 'repeat(3, minmax(0, 1fr))',
    gap: theme.spacing(1),
  },
  label: {
    color: theme.palette.text.secondary,
    fontSize: '0.6875rem',
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
  },
  value: {
    fontSize: '1.125rem',
    fontWeight: 600,
    fontVariantNumeric: 'tabular-nums',
  },
  burns: {
    display: 'flex',
    gap: theme.spacing(1.5),
    flexWrap: 'wrap',
    fontSize: '0.8125rem',
    fontVariantNumeric: 'tabular-nums',
  },
  error: { color: theme.palette.error.main, fontSize: '0.8125rem' },
  budgetBar: { height: 6, borderRadius: 3 },
}));

const statusLook: Record<SloStatus, { label: string; color: string }> = {
  ok: { label: 'Within objective', color: statusColors.pass },
  ticket: { label: 'Slow burn · ticket', color: statusColors.warn },
  page: { label: 'Fast burn · page', color: statusColors.fail },
  exhausted: { label: 'Budget exhausted', color: statusColors.fail },
  // The window holds no closed 5-minute bucket with requests yet.
  'no-data': { label: 'No data yet', color: statusColors.unknown },
  error: { label: 'Cannot compute', color: statusColors.unknown },
};

/**
 * A ratio as a percentage that never rounds up to the objective: 0.99949
 * reads 99.94 %, not 99.95 % — an SLI just under 99.95 % has missed it.
 */
export function formatSli(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  const hundredths = Math.floor(ratio * 10_000 + 1e-9) / 100;
  return `${hundredths.toFixed(2)} %`;
}

/** The objective as written: 99.9 %, 95 %. */
function formatTarget(target: number): string {
  return `${Number((target * 100).toFixed(4))} %`;
}

/** Budget left, whole percent; negative when overspent. */
function indicatorText(slo: SloReport): string {
  return slo.indicator.type === 'availability'
    ? 'Requests answered without a 5xx'
    : `Requests faster than ${formatDuration(
        slo.indicator.thresholdSeconds * 1000,
      )}`;
}

function burnColor(rate: number | undefined) {
  if (rate === undefined) return undefined;
  if (rate >= SLO_BURN_ALERTS.page.factor) return statusColors.fail;
  if (rate >= SLO_BURN_ALERTS.ticket.factor) return statusColors.warn;
  return undefined;
}

function SloCard(props: {
  slo: SloReport;
  history?: SloHistory['slos'][number];
  range: { from: number; to: number; label: string };
}) {
  const { slo, history } = props;
  const classes = useStyles();
  const look = statusLook[slo.status];
  const budget = slo.errorBudgetRemaining;
  return (
    <div
      className={classes.card}
      style={{ borderLeftColor: look.color }}
      data-testid={`slo-${slo.name}`}
    >
      <div className={classes.head}>
        <Typography className={classes.name}>
          {slo.displayName ?? slo.name}
        </Typography>
        <span className={classes.status} style={{ color: look.color }}>
          {look.label}
        </span>
      </div>
      <span className={classes.what}>
        {indicatorText(slo)} · objective {formatTarget(slo.target)} over{' '}
        {slo.window}
        {slo.status !== 'no-data' &&
          slo.totalEvents !== undefined &&
          ` · ${formatCount(slo.totalEvents)} requests, ${formatCount(
            slo.badEvents ?? 0,
          )} bad`}
      </span>
      {slo.status === 'error' ? (
        <span className={classes.error}>{slo.error}</span>
      ) : (
        <>
          <div className={classes.figures}>
            <div>
              <div className={classes.label}>Objective</div>
              <div className={classes.value}>{formatTarget(slo.target)}</div>
            </div>
            <div>
              <div className={classes.label}>Current ({slo.window})</div>
              <div className={classes.value}>{formatSli(slo.sli)}</div>
            </div>
            <div>
              <div className={classes.label}>Budget left</div>
              <div className={classes.value}>{formatBudget(budget)}</div>
            </div>
          </div>
          {budget !== undefined && (
            <LinearProgress
              className={classes.budgetBar}
              variant="determinate"
              value={Math.max(0, Math.min(100, budget * 100))}
              aria-label="Error budget left"
            />
          )}
          <Tooltip
            title={`Burn rate: how fast the error budget is spent, 1× spends it exactly over ${slo.window}. Pages when 1 h and 5 m both burn over ${SLO_BURN_ALERTS.page.factor}×, tickets when 6 h and 30 m both burn over ${SLO_BURN_ALERTS.ticket.factor}×.`}
          >
            <div className={classes.burns} data-testid="slo-burn-rates">
              <span className={classes.label}>Burn rate</span>
              {BURN_WINDOWS.map(w => {
                const rate = slo.burnRates[w];
                return (
                  <span key={w} style={{ color: burnColor(rate) }}>
                    {w}{' '}
                    {rate === undefined
                      ? '–'
                      : `${rate < 10 ? rate.toFixed(1) : Math.round(rate)}×`}
                  </span>
                );
              })}
            </div>
          </Tooltip>
          {history &&
            history.points.filter(p => p.errorBudgetRemaining !== undefined)
              .length > 1 && (
              <div data-testid="slo-budget-chart">
                <span className={classes.label}>
                  Budget left · {props.range.label.toLowerCase()}
                </span>
                <Suspense fallback={<Progress />}>
                  <SloBudgetChart
                    points={history.points}
                    from={props.range.from}
                    to={props.range.to}
                  />
                </Suspense>
              </div>
            )}
        </>
      )}
    </div>
  );
}

/** About 60 points over the range, never finer than the 5-minute buckets. */
function historyStep(rangeMs: number) {
  return Math.max(300, Math.ceil(rangeMs / 60 / 1000 / 300) * 300);
}

/**
 * SLO cards of the Health tab: each objective of the entity's OpenSLO file
 * with its target, current SLI, error budget left, burn rates and alert
 * status. Shown for entities with the OpenSLO annotation.
 */
export function SloSection() {
  const api = useApi(serviceHealthApiRef);
  const ctx = useServiceHealthContext();
  const slos = usePolledData(
    () => api.getSlos(ctx.entityRef, { environment: ctx.environment }),
    [ctx.refreshToken],
    ctx.resetKey,
  );
  const rangeMs = RANGES[ctx.range].ms;
  const history = usePolledData(
    () =>
      api.getSloHistory(ctx.entityRef, {
        environment: ctx.environment,
        ...ctx.window,
        stepSeconds: historyStep(rangeMs),
      }),
    [ctx.window],
    ctx.resetKey,
  );
  const range = {
    from: Date.parse(ctx.window.from),
    to: Date.parse(ctx.window.to),
    label: RANGES[ctx.range].label,
  };
  const data = slos.value?.data;
  return (
    <InfoCard
      title="Service level objectives"
      subheader={
        data
          ? `Rolling windows up to ${formatTime(data.asOf)} · from ${data.file}`
          : undefined
      }
    >
      <SectionState
        section="slos"
        polled={slos}
        isEmpty={d => d.slos.length === 0}
        noData={<NoData title="The OpenSLO file defines no SLO" />}
      >
        {d => (
          <Grid container spacing={2}>
            {d.slos.map(slo => (
              <Grid item xs={12} md={6} key={slo.name}>
                <SloCard
                  slo={slo}
                  range={range}
                  history={history.value?.data?.slos.find(
                    h => h.name === slo.name,
                  )}
                />
              </Grid>
            ))}
          </Grid>
        )}
      </SectionState>
    </InfoCard>
  );
}
