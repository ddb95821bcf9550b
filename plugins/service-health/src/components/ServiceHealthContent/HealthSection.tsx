import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import type {
  EndpointProbe,
  HealthSnapshot,
  SourcedResponse,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { PolledData, usePolledData } from '../../hooks/usePolledData';
import { Banner } from '../shared/Banner';
import {
  formatDuration,
  formatObserved,
  formatRelative,
  formatTime,
} from '../shared/format';
import { NoData, SectionState } from '../shared/SectionState';
import { isNotStarted, StatusBadge } from '../shared/status';
import { RANGES, useServiceHealthContext } from './context';
import { UptimeStrip } from './UptimeStrip';

const useStyles = makeStyles((theme: Theme) => ({
  overview: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  },
  meta: { color: theme.palette.text.secondary },
  probes: {
    display: 'grid',
    gridTemplateColumns: 'auto auto 1fr auto',
    alignItems: 'center',
    columnGap: theme.spacing(1.5),
    rowGap: theme.spacing(1),
    marginBottom: theme.spacing(2.5),
  },
  probeName: { fontWeight: 500 },
  url: {
    fontFamily: 'monospace',
    fontSize: '0.75rem',
    color: theme.palette.text.secondary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    minWidth: 0,
  },
  num: {
    fontVariantNumeric: 'tabular-nums',
    textAlign: 'right',
    whiteSpace: 'nowrap',
  },
  error: {
    gridColumn: '1 / -1',
    marginTop: -4,
    color: theme.palette.error.main,
    fontSize: '0.75rem',
    wordBreak: 'break-word',
  },
  checkName: { fontWeight: 500, whiteSpace: 'nowrap' },
  measurement: { color: theme.palette.text.secondary, fontWeight: 400 },
  output: {
    color: theme.palette.text.secondary,
    wordBreak: 'break-word',
    maxWidth: 420,
  },
  table: { '& td, & th': { padding: theme.spacing(0.75, 1.5) } },
}));

function ProbeRow(props: { name: string; probe: EndpointProbe }) {
  const { name, probe } = props;
  const classes = useStyles();
  return (
    <>
      <Typography variant="body2" className={classes.probeName}>
        {name}
      </Typography>
      <StatusBadge status={probe.status} />
      <span className={classes.url} title={probe.url}>
        {probe.url}
      </span>
      <Typography variant="body2" className={classes.num}>
        {probe.httpStatus ? `HTTP ${probe.httpStatus} · ` : ''}
        {formatDuration(probe.latencyMs)}
      </Typography>
      {probe.error && (
        <span className={classes.error}>
          {probe.error.split(`${probe.url}: `).join('')}
        </span>
      )}
    </>
  );
}

/** Why there are no dependency checks to show. */
function checksTitle(snapshot: HealthSnapshot | undefined) {
  if (!snapshot) return 'No data yet';
  return snapshot.readiness.status === 'down'
    ? 'No answer from the readiness probe'
    : 'No dependency checks';
}

function checksText(snapshot: HealthSnapshot | undefined) {
  if (!snapshot) {
    return 'Checks appear after the first successful readiness probe.';
  }
  return snapshot.readiness.status === 'down'
    ? 'The checks come with the readiness answer; the service did not give one.'
    : 'The readiness probe reports no checks.';
}

/** "GET /ready: connect ECONNREFUSED", without repeating the URL. */
function probeProblem(p: EndpointProbe): string {
  const path = p.url.replace(/^https?:\/\/[^/]+/, '') || p.url;
  const why = p.error ?? (p.httpStatus ? `HTTP ${p.httpStatus}` : p.status);
  return `${path}: ${why.split(`${p.url}: `).join('')}`;
}

function probeProblems(snapshot: HealthSnapshot) {
  return [snapshot.liveness, snapshot.readiness]
    .filter(p => p.status === 'down' || p.status === 'fail')
    .map(probeProblem);
}

/** "17:02:10 (5 min ago)" */
function when(time: string) {
  return `${formatTime(time)} (${formatRelative(time)})`;
}

/**
 * The red banner on top of the tab when the service does not answer. The
 * outage began with the first failing probe after the latest passing one.
 */
export function ServiceDownBanner(props: { snapshot: HealthSnapshot }) {
  const { snapshot } = props;
  const reasons = probeProblems(snapshot);
  const since = snapshot.lifecycle?.downSince;
  const lastUp = snapshot.lifecycle?.lastUpAt;
  return (
    <Banner
      severity="down"
      data-testid="service-down"
      title={
        since
          ? `Service is down since ${when(since)}`
          : `Service is down (latest probe ${when(snapshot.checkedAt)})`
      }
    >
      {lastUp && (
        <div>
          Last passing probe {when(lastUp)}; every probe since has failed.
        </div>
      )}
      {reasons.length > 0
        ? reasons.map(r => <div key={r}>{r}</div>)
        : 'The service did not answer its health probes.'}
    </Banner>
  );
}

/**
 * A service the portal has never seen pass a probe: not an outage, just not
 * running yet (a new service, or one that is only in the catalog so far).
 */
export function NotStartedBanner(props: { snapshot: HealthSnapshot }) {
  const { snapshot } = props;
  const first = snapshot.lifecycle?.firstProbeAt;
  return (
    <Banner
      severity="info"
      data-testid="service-not-started"
      title="Not started yet: no probe of this service has passed"
    >
      <div>
        {first
          ? `The portal has probed it since ${when(
              first,
            )} and never got a healthy answer.`
          : 'The portal has not got a healthy answer from it yet.'}{' '}
        Start the service; this page follows within a probe interval.
      </div>
      {probeProblems(snapshot).map(r => (
        <div key={r}>{r}</div>
      ))}
    </Banner>
  );
}

function HealthHistoryBlock() {
  const api = useApi(serviceHealthApiRef);
  const ctx = useServiceHealthContext();
  const history = usePolledData(
    () =>
      api.getHealthHistory(ctx.entityRef, {
        environment: ctx.environment,
        ...ctx.window,
      }),
    [ctx.window],
    ctx.resetKey,
  );
  return (
    <SectionState
      section="history"
      polled={history}
      isEmpty={h => h.points.length === 0}
      noData={
        <Typography variant="body2" color="textSecondary">
          No probes in this window yet: the uptime strip fills in as the portal
          probes the service.
        </Typography>
      }
    >
      {data => <UptimeStrip history={data} label={RANGES[ctx.range].label} />}
    </SectionState>
  );
}

export function HealthSection(props: {
  health: PolledData<SourcedResponse<HealthSnapshot>>;
  onRefresh(): void;
  refreshing: boolean;
}) {
  const { health, onRefresh, refreshing } = props;
  const classes = useStyles();
  const snapshot = health.value?.data;
  return (
    <>
      <Grid item xs={12} md={5}>
        <InfoCard
          title="Health"
          variant="gridItem"
          action={
            <Button size="small" onClick={onRefresh} disabled={refreshing}>
              {refreshing ? 'Probing…' : 'Probe now'}
            </Button>
          }
        >
          <SectionState
            section="health"
            polled={health}
            noData={
              <NoData>The portal has not probed this service yet.</NoData>
            }
          >
            {data => (
              <>
                <div className={classes.overview}>
                  {isNotStarted(data) ? (
                    <StatusBadge
                      status="unknown"
                      size="large"
                      label="Not started yet"
                    />
                  ) : (
                    <StatusBadge
                      status={data.status}
                      variant="overall"
                      size="large"
                    />
                  )}
                  <Typography variant="body2" className={classes.meta}>
                    {data.version && <>v{data.version} · </>}
                    <span title={data.checkedAt}>
                      checked {formatRelative(data.checkedAt)} (
                      {formatTime(data.checkedAt)})
                    </span>
                  </Typography>
                </div>
                <div className={classes.probes}>
                  <ProbeRow name="Liveness" probe={data.liveness} />
                  <ProbeRow name="Readiness" probe={data.readiness} />
                </div>
              </>
            )}
          </SectionState>
          {(snapshot || !health.loading) && <HealthHistoryBlock />}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <InfoCard
          title="Dependency checks"
          subheader="From the readiness probe"
          variant="gridItem"
          noPadding
        >
          {snapshot && snapshot.checks.length > 0 ? (
            <Table
              size="small"
              className={classes.table}
              aria-label="Dependency checks"
            >
              <TableHead>
                <TableRow>
                  <TableCell>Check</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell align="right">Latency</TableCell>
                  <TableCell>Message</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {snapshot.checks.map(check => {
                  const [component, measurement] = check.name.split(':');
                  return (
                    <TableRow key={`${check.name}-${check.componentId ?? ''}`}>
                      <TableCell className={classes.checkName}>
                        {component}
                        {measurement && (
                          <span className={classes.measurement}>
                            :{measurement}
                          </span>
                        )}
                        {check.componentType && (
                          <Typography
                            variant="caption"
                            display="block"
                            color="textSecondary"
                          >
                            {check.componentType}
                          </Typography>
                        )}
                      </TableCell>
                      <TableCell>
                        <StatusBadge status={check.status} />
                      </TableCell>
                      <TableCell align="right" className={classes.num}>
                        {formatObserved(
                          check.observedValue,
                          check.observedUnit,
                        )}
                      </TableCell>
                      <TableCell className={classes.output}>
                        {check.output ?? '–'}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          ) : (
            <NoData title={checksTitle(snapshot)}>
              {checksText(snapshot)}
            </NoData>
          )}
        </InfoCard>
      </Grid>
    </>
  );
}
