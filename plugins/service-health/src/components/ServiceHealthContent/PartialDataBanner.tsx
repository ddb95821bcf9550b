import Grid from '@material-ui/core/Grid';
import { Banner } from '../shared/Banner';
import { sourceName } from '../shared/SectionState';
import { SectionKey, SectionReport } from './context';

const sectionNames: Record<SectionKey, string> = {
  health: 'health checks',
  history: 'uptime history',
  metrics: 'metrics',
  traces: 'traces',
  slos: 'SLOs',
};

function problem(report: SectionReport): string | undefined {
  if (report.kind === 'failed') return 'could not be loaded';
  switch (report.source.status) {
    case 'unreachable':
      return `${sourceName(report.source.source)} is unreachable`;
    case 'error':
      return `${sourceName(report.source.source)} reported an error`;
    default:
      return undefined;
  }
}

/**
 * When some sections have data and others could not get theirs, say so once
 * at the top, so nobody reads a missing chart as "no traffic".
 */
export function PartialDataBanner(props: {
  reports: Partial<Record<SectionKey, SectionReport>>;
  /** The service is down: its own endpoints failing is no news then. */
  serviceDown?: boolean;
}) {
  const entries = (
    Object.entries(props.reports) as Array<
      [SectionKey, SectionReport | undefined]
    >
  ).filter(
    ([, r]) =>
      !(
        props.serviceDown &&
        r?.kind === 'source' &&
        r.source.source === 'direct'
      ),
  );
  const missing = entries.flatMap(([key, report]) => {
    const why = report && problem(report);
    return why ? [`${sectionNames[key]}: ${why}`] : [];
  });
  const fine = entries.filter(
    ([, r]) => r?.kind === 'source' && r.hasData && !problem(r),
  );
  if (missing.length === 0 || fine.length === 0) {
    return null;
  }
  return (
    <Grid item xs={12}>
      <Banner
        severity="warning"
        data-testid="partial-data"
        title="Partial data: some monitoring sources did not answer"
      >
        {missing.join(' · ')}. Showing what is available; the service itself may
        be fine.
      </Banner>
    </Grid>
  );
}
