import { useCallback, useEffect, useMemo, useState } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { ResponseErrorPanel, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import {
  OPENSLO_ANNOTATION,
  annotatedEnvironments,
  baseUrlAnnotation,
  isServiceHealthAvailable,
  SERVICE_HEALTH_ANNOTATIONS,
  ServiceEnvironment,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { useAutoRefresh } from '../../hooks/useAutoRefresh';
import { usePolledData } from '../../hooks/usePolledData';
import { useUrlParam } from '../../hooks/useUrlParam';
import {
  RANGES,
  RangeKey,
  SectionKey,
  SectionReport,
  ServiceHealthContext,
  ServiceHealthContextValue,
} from './context';
import { Toolbar } from './Toolbar';
import {
  HealthSection,
  NotStartedBanner,
  ServiceDownBanner,
} from './HealthSection';
import { isNotStarted } from '../shared/status';
import { MetricsSection } from './MetricsSection';
import { TracesSection } from './TracesSection';
import { SloSection } from './SloSection';
import { PartialDataBanner } from './PartialDataBanner';
import { Banner } from '../shared/Banner';

/** Props of the Health tab (`EntityServiceHealthContent`). @public */
export interface ServiceHealthContentProps {
  /** Initial time range; default `1h`. */
  defaultRange?: RangeKey;
  /** Initial auto-refresh interval in ms, 0 for off; default 30 s. */
  defaultRefreshMs?: number;
}

/**
 * The Health tab of an entity: health checks, RED metrics and traces.
 *
 * @public
 */
export function ServiceHealthContent(props: ServiceHealthContentProps) {
  const { entity } = useEntity();
  if (!isServiceHealthAvailable(entity)) {
    return (
      <MissingAnnotationEmptyState
        annotation={[
          SERVICE_HEALTH_ANNOTATIONS.baseUrl,
          SERVICE_HEALTH_ANNOTATIONS.otelServiceName,
        ]}
      />
    );
  }
  return (
    <ServiceHealthPage
      entityRef={stringifyEntityRef(entity)}
      annotated={annotatedEnvironments(entity)}
      hasSlos={!!entity.metadata.annotations?.[OPENSLO_ANNOTATION]}
      {...props}
    />
  );
}

/**
 * Base-url annotations for environments this portal does not configure are
 * not probed; say so instead of ignoring them silently.
 */
function UnconfiguredEnvironments(props: {
  names: string[];
  configured: ServiceEnvironment[];
}) {
  const { names, configured } = props;
  if (names.length === 0) return null;
  const list = names.map(n => `"${n}" (${baseUrlAnnotation(n)})`).join(', ');
  return (
    <Banner
      severity={configured.length === 0 ? 'warning' : 'info'}
      data-testid="unconfigured-environments"
      title={
        configured.length === 0
          ? 'Nothing to show: no annotated environment is configured in this portal'
          : `Not shown: ${names.length} annotated environment${
              names.length === 1 ? '' : 's'
            } this portal does not configure`
      }
    >
      This entity annotates {list}, but the portal's{' '}
      <code>serviceHealth.environments</code> has no such environment, so it is
      not probed.
      {configured.length > 0 &&
        ` Shown: ${configured.map(e => e.title ?? e.name).join(', ')}.`}{' '}
      Add the environment to the portal's configuration, or rename the
      annotation.
    </Banner>
  );
}

function ServiceHealthPage(
  props: ServiceHealthContentProps & {
    entityRef: string;
    annotated: string[];
    hasSlos: boolean;
  },
) {
  const { entityRef, annotated, ...rest } = props;
  const api = useApi(serviceHealthApiRef);
  const environments = usePolledData(
    () => api.getEnvironments(entityRef),
    [entityRef],
    entityRef,
  );
  const [selectedEnv, setSelectedEnv] = useUrlParam('env');

  if (environments.loading) {
    return <Progress />;
  }
  if (environments.error) {
    return <ResponseErrorPanel error={environments.error} />;
  }
  const envList = environments.value ?? [];
  const unconfigured = annotated.filter(
    name => !envList.some(e => e.name === name),
  );
  const notice = (
    <UnconfiguredEnvironments names={unconfigured} configured={envList} />
  );
  if (envList.length === 0) return notice;
  const environment =
    selectedEnv && envList.some(e => e.name === selectedEnv)
      ? selectedEnv
      : envList[0]?.name;
  return (
    <Dashboard
      {...rest}
      entityRef={entityRef}
      notice={unconfigured.length > 0 ? notice : undefined}
      environments={envList}
      environment={environment}
      onEnvironmentChange={setSelectedEnv}
    />
  );
}

function Dashboard(
  props: ServiceHealthContentProps & {
    entityRef: string;
    environments: ServiceEnvironment[];
    environment?: string;
    onEnvironmentChange(name: string): void;
    notice?: JSX.Element;
    hasSlos: boolean;
  },
) {
  const {
    notice,
    hasSlos,
    entityRef,
    environments,
    environment,
    onEnvironmentChange,
    defaultRange = '1h',
    defaultRefreshMs = 30_000,
  } = props;
  const api = useApi(serviceHealthApiRef);

  const [rangeParam, setRangeParam] = useUrlParam('range');
  const range: RangeKey =
    rangeParam && rangeParam in RANGES
      ? (rangeParam as RangeKey)
      : defaultRange;
  const [selectedTrace, selectTrace] = useUrlParam('trace');
  const [refreshMs, setRefreshMs] = useState(defaultRefreshMs);
  const [refreshToken, setRefreshToken] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const [refreshing, setRefreshing] = useState(false);

  const tick = useCallback(() => {
    setNow(Date.now());
    setRefreshToken(t => t + 1);
  }, []);
  const { paused } = useAutoRefresh(refreshMs, tick);

  // The window moves with every refresh and every change of range.
  const timeWindow = useMemo(
    () => ({
      from: new Date(now - RANGES[range].ms).toISOString(),
      to: new Date(now).toISOString(),
    }),
    [now, range],
  );

  const resetKey = `${entityRef}|${environment ?? ''}`;
  const health = usePolledData(
    () => api.getHealth(entityRef, { environment }),
    [refreshToken],
    resetKey,
  );

  const [reports, setReports] = useState<
    Partial<Record<SectionKey, SectionReport>>
  >({});
  const report = useCallback(
    (section: SectionKey, value: SectionReport | undefined) =>
      setReports(prev =>
        prev[section] === value ? prev : { ...prev, [section]: value },
      ),
    [],
  );
  useEffect(() => setReports({}), [resetKey]);

  const refreshNow = useCallback(async () => {
    setRefreshing(true);
    try {
      await api.refreshHealth(entityRef, { environment });
    } catch {
      // The health section shows the outcome of the reload below.
    } finally {
      setRefreshing(false);
      tick();
    }
  }, [api, entityRef, environment, tick]);

  const ctx: ServiceHealthContextValue = useMemo(
    () => ({
      entityRef,
      environment,
      range,
      window: timeWindow,
      stepSeconds: RANGES[range].stepSeconds,
      refreshToken,
      resetKey,
      report,
      selectedTrace,
      selectTrace,
    }),
    [
      entityRef,
      environment,
      range,
      timeWindow,
      refreshToken,
      resetKey,
      report,
      selectedTrace,
      selectTrace,
    ],
  );

  const snapshot = health.value?.data;

  return (
    <ServiceHealthContext.Provider value={ctx}>
      <Grid container spacing={2} data-testid="service-health-content">
        <Grid item xs={12}>
          <Toolbar
            environments={environments}
            environment={environment}
            onEnvironmentChange={onEnvironmentChange}
            range={range}
            onRangeChange={r => {
              setRangeParam(r);
              tick();
            }}
            refreshMs={refreshMs}
            onRefreshMsChange={setRefreshMs}
            onRefresh={refreshNow}
            refreshing={refreshing}
            paused={paused}
            lastUpdated={health.fetching ? undefined : now}
          />
        </Grid>
        {notice && (
          <Grid item xs={12}>
            {notice}
          </Grid>
        )}
        {snapshot?.status === 'down' && (
          <Grid item xs={12}>
            {isNotStarted(snapshot) ? (
              <NotStartedBanner snapshot={snapshot} />
            ) : (
              <ServiceDownBanner snapshot={snapshot} />
            )}
          </Grid>
        )}
        <PartialDataBanner
          reports={reports}
          serviceDown={snapshot?.status === 'down'}
        />
        <HealthSection
          health={health}
          onRefresh={refreshNow}
          refreshing={refreshing}
        />
        {hasSlos && (
          <Grid item xs={12}>
            <SloSection />
          </Grid>
        )}
        <Grid item xs={12}>
          <MetricsSection />
        </Grid>
        <Grid item xs={12}>
          <TracesSection />
        </Grid>
      </Grid>
    </ServiceHealthContext.Provider>
  );
}
