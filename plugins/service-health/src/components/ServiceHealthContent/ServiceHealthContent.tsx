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
  isServiceHealthAvailable,
  SERVICE_HEALTH_ANNOTATIONS,
  ServiceEnvironment,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { useAutoRefresh } from '../../hooks/useAutoRefresh';
import { usePolledData } from '../../hooks/usePolledData';
import {
  RANGES,
  RangeKey,
  SectionKey,
  SectionReport,
  ServiceHealthContext,
  ServiceHealthContextValue,
} from './context';
import { Toolbar } from './Toolbar';
import { HealthSection, ServiceDownBanner } from './HealthSection';
import { MetricsSection } from './MetricsSection';
import { TracesSection } from './TracesSection';
import { PartialDataBanner } from './PartialDataBanner';

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
    <ServiceHealthPage entityRef={stringifyEntityRef(entity)} {...props} />
  );
}

function ServiceHealthPage(
  props: ServiceHealthContentProps & { entityRef: string },
) {
  const { entityRef } = props;
  const api = useApi(serviceHealthApiRef);
  const environments = usePolledData(
    () => api.getEnvironments(entityRef),
    [entityRef],
    entityRef,
  );
  const [selectedEnv, setSelectedEnv] = useState<string>();

  if (environments.loading) {
    return <Progress />;
  }
  if (environments.error) {
    return <ResponseErrorPanel error={environments.error} />;
  }
  const envList = environments.value ?? [];
  const environment =
    selectedEnv && envList.some(e => e.name === selectedEnv)
      ? selectedEnv
      : envList[0]?.name;
  return (
    <Dashboard
      {...props}
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
  },
) {
  const {
    entityRef,
    environments,
    environment,
    onEnvironmentChange,
    defaultRange = '1h',
    defaultRefreshMs = 30_000,
  } = props;
  const api = useApi(serviceHealthApiRef);

  const [range, setRange] = useState<RangeKey>(defaultRange);
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
    }),
    [entityRef, environment, range, timeWindow, refreshToken, resetKey, report],
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
              setRange(r);
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
        {snapshot?.status === 'down' && (
          <Grid item xs={12}>
            <ServiceDownBanner snapshot={snapshot} />
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
