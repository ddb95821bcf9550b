import { useMemo, useState } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import {
  isServiceHealthAvailable,
  SERVICE_HEALTH_ANNOTATIONS,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { usePolledData } from '../../hooks/usePolledData';
import { useAutoRefresh } from '../../hooks/useAutoRefresh';
import {
  formatDuration,
  formatPercent,
  formatRate,
  formatRelative,
} from '../shared/format';
import { Stat } from '../shared/Stat';
import { errorRateColor, isNotStarted, StatusBadge } from '../shared/status';
import { sourceName } from '../shared/SectionState';

const useStyles = makeStyles((theme: Theme) => ({
  top: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  },
  meta: { color: theme.palette.text.secondary },
  stats: {
    display: 'grid',
    gridTemplateColumns: 'repeat(3, minmax(0, 1fr))',
    gap: theme.spacing(1),
  },
  note: { marginTop: theme.spacing(1.5), color: theme.palette.text.secondary },
}));

/** Props of the service-health overview card (`EntityServiceHealthCard`). @public */
export interface ServiceHealthCardProps {
  /** Path of the Health tab under the entity page; default `health`. */
  tabPath?: string;
}

/**
 * Overview card: status, p95 latency, error rate and a link to the Health tab.
 *
 * @public
 */
export function ServiceHealthCard(props: ServiceHealthCardProps) {
  const { entity } = useEntity();
  const entityRoute = useRouteRef(entityRouteRef);
  const link = `${entityRoute(entityRouteParams(entity))}/${
    props.tabPath ?? 'health'
  }`;
  if (!isServiceHealthAvailable(entity)) {
    return (
      <InfoCard title="Service health">
        <MissingAnnotationEmptyState
          annotation={SERVICE_HEALTH_ANNOTATIONS.baseUrl}
        />
      </InfoCard>
    );
  }
  return <CardBody entityRef={stringifyEntityRef(entity)} link={link} />;
}

function CardBody(props: { entityRef: string; link: string }) {
  const { entityRef, link } = props;
  const classes = useStyles();
  const api = useApi(serviceHealthApiRef);
  const [token, setToken] = useState(0);
  useAutoRefresh(60_000, () => setToken(t => t + 1));
  const window = useMemo(() => {
    const to = Date.now();
    return {
      from: new Date(to - 3_600_000).toISOString(),
      to: new Date(to).toISOString(),
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);
  const health = usePolledData(
    () => api.getHealth(entityRef),
    [token],
    entityRef,
  );
  const metrics = usePolledData(
    () => api.getMetricsSummary(entityRef, window),
    [window],
    entityRef,
  );

  const deepLink = { title: 'View health, metrics and traces', link };
  if (health.loading) {
    return (
      <InfoCard title="Service health" deepLink={deepLink}>
        <Progress />
      </InfoCard>
    );
  }
  if (health.error) {
    return (
      <InfoCard title="Service health" deepLink={deepLink}>
        <ResponseErrorPanel error={health.error} />
      </InfoCard>
    );
  }
  const snapshot = health.value?.data;
  const summary = metrics.value?.data;
  const metricsSource = metrics.value?.source;
  return (
    <InfoCard title="Service health" deepLink={deepLink} subheader="Last hour">
      <div className={classes.top}>
        {snapshot && !isNotStarted(snapshot) ? (
          <StatusBadge
            status={snapshot.status}
            variant="overall"
            size="large"
          />
        ) : (
          <StatusBadge
            status="unknown"
            size="large"
            label={snapshot ? 'Not started yet' : 'Not probed yet'}
          />
        )}
        {snapshot && (
          <Typography variant="body2" className={classes.meta}>
            checked {formatRelative(snapshot.checkedAt)}
          </Typography>
        )}
      </div>
      <div className={classes.stats}>
        <Stat
          dense
          label="p95 latency"
          value={formatDuration(summary?.p95Ms)}
        />
        <Stat
          dense
          label="Error rate"
          value={formatPercent(summary?.errorRate)}
          color={errorRateColor(summary?.errorRate)}
        />
        <Stat dense label="Traffic" value={formatRate(summary?.requestRate)} />
      </div>
      {metricsSource &&
        (metricsSource.status === 'unreachable' ||
          metricsSource.status === 'error') && (
          <Typography
            variant="caption"
            component="div"
            className={classes.note}
          >
            Metrics unavailable: {sourceName(metricsSource.source)}{' '}
            {metricsSource.status === 'unreachable'
              ? 'is unreachable'
              : 'reported an error'}
            .
          </Typography>
        )}
      {metrics.error && (
        <Typography variant="caption" component="div" className={classes.note}>
          Metrics unavailable: {metrics.error.message}
        </Typography>
      )}
    </InfoCard>
  );
}
