import { ReactNode, useContext, useEffect } from 'react';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import HourglassEmptyIcon from '@material-ui/icons/HourglassEmpty';
import type {
  SourceState,
  SourcedResponse,
} from '@fastify-backstage/plugin-service-health-common';
import type { PolledData } from '../../hooks/usePolledData';
import { Banner, BannerSeverity } from './Banner';
import {
  SectionKey,
  ServiceHealthContext,
} from '../ServiceHealthContent/context';

const sourceNames: Record<string, string> = {
  direct: "the service's /metrics endpoint",
  prometheus: 'Prometheus',
  embedded: 'the embedded trace receiver',
  jaeger: 'Jaeger',
  tempo: 'Tempo',
};

/** "Prometheus", "Jaeger", ... for people. */
export function sourceName(source: string): string {
  return sourceNames[source] ?? source;
}

const useStyles = makeStyles((theme: Theme) => ({
  noData: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(3, 2),
    color: theme.palette.text.secondary,
    minHeight: 120,
  },
  noDataIcon: { fontSize: 32, opacity: 0.5 },
  stack: { display: 'flex', flexDirection: 'column', gap: theme.spacing(1.5) },
}));

/** "No data yet", compact enough to sit inside a card. */
export function NoData(props: { title?: string; children?: ReactNode }) {
  const classes = useStyles();
  return (
    <div className={classes.noData} data-testid="no-data">
      <HourglassEmptyIcon className={classes.noDataIcon} />
      <Typography variant="subtitle2" color="textPrimary">
        {props.title ?? 'No data yet'}
      </Typography>
      {props.children && (
        <Typography variant="body2" component="div">
          {props.children}
        </Typography>
      )}
    </div>
  );
}

/** How one kind of source problem reads as a banner. */
type SourceProblem = {
  severity: BannerSeverity;
  testId: string;
  /** Title when some data is still shown, and when there is none. */
  title: { partial: string; none: string };
  body?: string;
};

function sourceProblem(source: SourceState): SourceProblem | undefined {
  const name = sourceName(source.source);
  if (source.status === 'unreachable' && source.source === 'direct') {
    return {
      severity: 'offline',
      testId: 'source-unreachable',
      title: {
        partial:
          "Showing partial data: can't scrape the service's /metrics endpoint",
        none: "No metrics: can't scrape the service's /metrics endpoint",
      },
      body:
        source.message ??
        'Metrics are read from the service itself; they come back with the service.',
    };
  }
  if (source.status === 'unreachable') {
    return {
      severity: 'offline',
      testId: 'source-unreachable',
      title: {
        partial: `Showing partial data: ${name} is unreachable`,
        none: `Monitoring source unreachable: can't reach ${name}`,
      },
      body:
        source.message ??
        'This is a problem on the monitoring side, not necessarily with the service.',
    };
  }
  if (source.status === 'error' && source.reason === 'sample-limit') {
    return {
      severity: 'warning',
      testId: 'source-sample-limit',
      title: {
        partial:
          'Showing older data: the latest scrape had too many series and was not kept',
        none: 'No metrics: the scrape has too many series and was not kept',
      },
      body:
        source.message ??
        'The scrape exceeded the sample limit (serviceHealth.metrics.direct.sampleLimit).',
    };
  }
  if (source.status === 'error') {
    return {
      severity: 'warning',
      testId: 'source-error',
      title: {
        partial: `Showing partial data: ${name} reported an error`,
        none: `${name[0].toUpperCase()}${name.slice(1)} reported an error`,
      },
      body: source.message,
    };
  }
  return undefined;
}

/** Why a source gave nothing (or only part), as a banner. */
export function SourceBanner(props: { source: SourceState; partial: boolean }) {
  const problem = sourceProblem(props.source);
  if (!problem) return null;
  return (
    <Banner
      severity={problem.severity}
      data-testid={problem.testId}
      title={props.partial ? problem.title.partial : problem.title.none}
    >
      {problem.body}
    </Banner>
  );
}

/**
 * The states every section goes through: loading, request failed, source
 * unreachable or in error, no data yet, partial data, data.
 */
export function SectionState<T>(props: {
  section: SectionKey;
  polled: PolledData<SourcedResponse<T>>;
  isEmpty?: (data: T) => boolean;
  noData: ReactNode;
  children: (data: T, source: SourceState) => ReactNode;
}) {
  const { section, polled, isEmpty, noData, children } = props;
  const classes = useStyles();
  const ctx = useContext(ServiceHealthContext);
  const report = ctx?.report;
  const response = polled.value;
  const data = response?.data;
  const hasData = data !== undefined && !(isEmpty && isEmpty(data));

  useEffect(() => {
    if (!report) return;
    if (polled.error) {
      report(section, { kind: 'failed', error: polled.error });
    } else if (response) {
      report(section, { kind: 'source', source: response.source, hasData });
    }
  }, [report, section, polled.error, response, hasData]);

  if (polled.loading) {
    return <Progress />;
  }
  if (polled.error) {
    return <ResponseErrorPanel error={polled.error} />;
  }
  const source = response?.source ?? { source: 'unknown', status: 'ok' };
  const problem = source.status === 'unreachable' || source.status === 'error';
  if (!hasData) {
    return problem ? (
      <SourceBanner source={source} partial={false} />
    ) : (
      <>{noData}</>
    );
  }
  return (
    <div className={classes.stack}>
      {problem && <SourceBanner source={source} partial />}
      {children(data as T, source)}
    </div>
  );
}
