import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import Switch from '@material-ui/core/Switch';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import ErrorIcon from '@material-ui/icons/Error';
import type { TraceSummary } from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { usePolledData } from '../../hooks/usePolledData';
import { formatDuration, formatRelative, formatTime } from '../shared/format';
import {
  NoData,
  SectionState,
  SourceBanner,
  sourceName,
} from '../shared/SectionState';
import { statusColors } from '../shared/status';
import { useServiceHealthContext } from './context';
import { TraceWaterfall, waterfallColors } from './TraceWaterfall';

export const SLOWER_THAN_OPTIONS = [0, 50, 100, 250, 500, 1000, 2000, 5000];

/** Traces per page of the list; "Load more" asks for this many more. */
export const TRACES_PAGE = 50;
/** The backend's cap of one list request. */
const TRACES_MAX = 500;

const useStyles = makeStyles((theme: Theme) => ({
  filters: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(1.5),
  },
  select: { minWidth: 190 },
  op: {
    whiteSpace: 'nowrap',
    display: 'inline-flex',
    alignItems: 'center',
    gap: 6,
    fontFamily: 'monospace',
    fontSize: '0.8125rem',
  },
  errorIcon: { fontSize: 16, color: statusColors.fail },
  durationCell: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    minWidth: 140,
  },
  durationBar: {
    height: 6,
    borderRadius: 3,
    minWidth: 2,
  },
  num: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' },
  errors: {
    color: statusColors.fail,
    fontWeight: 600,
    fontVariantNumeric: 'tabular-nums',
  },
  waterfall: { marginTop: theme.spacing(2), scrollMarginTop: 80 },
  more: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  },
  muted: { color: theme.palette.text.secondary },
}));

function SelectedTrace(props: { traceId: string; onClose(): void }) {
  const api = useApi(serviceHealthApiRef);
  const ctx = useServiceHealthContext();
  const trace = usePolledData(
    () =>
      api.getTrace(ctx.entityRef, props.traceId, {
        environment: ctx.environment,
      }),
    [props.traceId],
    ctx.resetKey,
  );
  if (trace.loading) return <Progress />;
  if (trace.error) return <ResponseErrorPanel error={trace.error} />;
  const response = trace.value!;
  if (!response.data) {
    return response.source.status === 'ok' ||
      response.source.status === 'no-data' ? (
      <NoData title="Trace not found">
        It may have expired from {sourceName(response.source.source)}.
      </NoData>
    ) : (
      <SourceBanner source={response.source} partial={false} />
    );
  }
  return <TraceWaterfall trace={response.data} onClose={props.onClose} />;
}

export function TracesSection() {
  const api = useApi(serviceHealthApiRef);
  const ctx = useServiceHealthContext();
  const classes = useStyles();
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [minDurationMs, setMinDurationMs] = useState(0);
  const [limit, setLimit] = useState(TRACES_PAGE);
  const { selectedTrace: selected, selectTrace } = ctx;
  const waterfallRef = useRef<HTMLDivElement>(null);

  // Another environment: the open trace belongs to the previous one. Not on
  // mount, where the selection comes from the URL.
  const lastResetKey = useRef(ctx.resetKey);
  useEffect(() => {
    if (lastResetKey.current !== ctx.resetKey) {
      lastResetKey.current = ctx.resetKey;
      selectTrace(undefined);
      setLimit(TRACES_PAGE);
    }
  }, [ctx.resetKey, selectTrace]);

  const traces = usePolledData(
    () =>
      api.listTraces(ctx.entityRef, {
        environment: ctx.environment,
        ...ctx.window,
        errorsOnly: errorsOnly || undefined,
        minDurationMs: minDurationMs || undefined,
        limit,
      }),
    [ctx.window, errorsOnly, minDurationMs, limit],
    ctx.resetKey,
  );

  // The waterfall opens below a list of up to 50 rows: bring it into view,
  // also when the selection came with the URL (once the list is there).
  // A click counts even on the trace already open (it was scrolled away).
  const listShown = (traces.value?.data?.length ?? 0) > 0;
  const [clicks, setClicks] = useState(0);
  const openTrace = useCallback(
    (traceId: string) => {
      selectTrace(traceId);
      setClicks(n => n + 1);
    },
    [selectTrace],
  );
  useEffect(() => {
    if (selected && listShown) {
      waterfallRef.current?.scrollIntoView?.({
        behavior: 'smooth',
        block: 'start',
      });
    }
  }, [selected, listShown, clicks]);

  const filtered = errorsOnly || minDurationMs > 0;
  const filters = (
    <div className={classes.filters}>
      <FormControlLabel
        control={
          <Switch
            size="small"
            color="primary"
            checked={errorsOnly}
            onChange={e => {
              setErrorsOnly(e.target.checked);
              setLimit(TRACES_PAGE);
            }}
            inputProps={{ 'aria-label': 'Errors only' }}
          />
        }
        label={<Typography variant="body2">Errors only</Typography>}
      />
      <FormControl variant="outlined" size="small" className={classes.select}>
        <InputLabel id="sh-slower-label">Request slower than</InputLabel>
        <Select
          labelId="sh-slower-label"
          label="Request slower than"
          value={minDurationMs}
          onChange={e => {
            setMinDurationMs(Number(e.target.value));
            setLimit(TRACES_PAGE);
          }}
          SelectDisplayProps={{ 'aria-label': 'Request slower than' } as any}
        >
          {SLOWER_THAN_OPTIONS.map(ms => (
            <MenuItem key={ms} value={ms}>
              {ms === 0 ? 'Any duration' : formatDuration(ms)}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <Typography variant="caption" className={classes.muted}>
        Request: the root span (the request as the service handled it). Trace:
        first span start to last span end, including work after the answer (e.g.
        event consumers).
      </Typography>
    </div>
  );

  return (
    <InfoCard
      title="Traces"
      subheader={`Recent requests${
        traces.value ? ` · from ${sourceName(traces.value.source.source)}` : ''
      }`}
    >
      {filters}
      <SectionState
        section="traces"
        polled={traces}
        isEmpty={list => list.length === 0}
        noData={
          filtered ? (
            <NoData title="No traces match these filters">
              Try a lower duration or turn off “Errors only”.
            </NoData>
          ) : (
            <NoData>
              No traces in this window. Send the service some requests; its
              OpenTelemetry exporter must point at the portal or your trace
              backend.
            </NoData>
          )
        }
      >
        {list => (
          <>
            <TraceList traces={list} selected={selected} onSelect={openTrace} />
            <div className={classes.more} data-testid="traces-more">
              <Typography variant="caption" className={classes.muted}>
                {list.length < limit
                  ? `All ${list.length} trace${
                      list.length === 1 ? '' : 's'
                    } of this window${filtered ? ' matching the filters' : ''}`
                  : `The newest ${list.length} traces of this window`}
              </Typography>
              {list.length >= limit && limit < TRACES_MAX && (
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() =>
                    setLimit(l => Math.min(TRACES_MAX, l + TRACES_PAGE))
                  }
                  disabled={traces.fetching}
                >
                  Load {Math.min(TRACES_PAGE, TRACES_MAX - limit)} more
                </Button>
              )}
            </div>
            {selected && (
              <div
                className={classes.waterfall}
                ref={waterfallRef}
                data-testid="selected-trace"
              >
                <SelectedTrace
                  traceId={selected}
                  onClose={() => selectTrace(undefined)}
                />
              </div>
            )}
          </>
        )}
      </SectionState>
    </InfoCard>
  );
}

/** The request's own duration (root span); the total when a source lacks it. */
function requestMs(t: TraceSummary) {
  return t.rootDurationMs ?? t.durationMs;
}

function TraceList(props: {
  traces: TraceSummary[];
  selected?: string;
  onSelect(traceId: string | undefined): void;
}) {
  const { traces, selected, onSelect } = props;
  const classes = useStyles();
  const max = Math.max(...traces.map(requestMs), 0.001);
  // Stable props: material-table remounts its rows when columns change.
  const columns = useMemo<TableColumn<TraceSummary>[]>(
    () => [
      {
        title: 'Operation',
        field: 'rootOperation',
        highlight: true,
        render: t => (
          <span className={classes.op}>
            {t.errorCount > 0 && (
              <ErrorIcon
                className={classes.errorIcon}
                aria-label="has errors"
              />
            )}
            {t.rootOperation}
          </span>
        ),
      },
      {
        title: 'Request',
        field: 'rootDurationMs',
        customSort: (a, b) => requestMs(a) - requestMs(b),
        render: t => (
          <span className={classes.durationCell}>
            <span className={classes.num} style={{ minWidth: 56 }}>
              {formatDuration(requestMs(t))}
            </span>
            <span
              className={classes.durationBar}
              style={{
                width: `${Math.max(2, (requestMs(t) / max) * 80)}px`,
                background:
                  t.errorCount > 0
                    ? waterfallColors.error
                    : waterfallColors.critical,
                opacity: 0.75,
              }}
            />
          </span>
        ),
      },
      {
        title: 'Trace',
        field: 'durationMs',
        render: t => (
          <Tooltip title="First span start to last span end">
            <span className={classes.num}>{formatDuration(t.durationMs)}</span>
          </Tooltip>
        ),
      },
      {
        title: 'Spans',
        field: 'spanCount',
        type: 'numeric',
        render: t => <span className={classes.num}>{t.spanCount}</span>,
      },
      {
        title: 'Errors',
        field: 'errorCount',
        type: 'numeric',
        render: t =>
          t.errorCount > 0 ? (
            <span className={classes.errors}>{t.errorCount}</span>
          ) : (
            <span className={classes.muted}>0</span>
          ),
      },
      {
        title: 'Services',
        field: 'services',
        render: t => (
          <span className={classes.muted}>{t.services.join(', ')}</span>
        ),
      },
      {
        title: 'Started',
        field: 'startTime',
        defaultSort: 'desc',
        render: t => (
          <Tooltip title={formatTime(t.startTime)}>
            <span className={classes.num}>{formatRelative(t.startTime)}</span>
          </Tooltip>
        ),
      },
    ],
    [classes, max],
  );
  const options = useMemo(
    () => ({
      toolbar: false,
      paging: traces.length > 10,
      pageSize: 10,
      pageSizeOptions: [10, 25, 50],
      padding: 'dense' as const,
      draggable: false,
      rowStyle: (row: TraceSummary) =>
        row.traceId === selected
          ? { backgroundColor: 'rgba(37, 99, 235, 0.08)', cursor: 'pointer' }
          : { cursor: 'pointer' },
    }),
    [traces.length, selected],
  );
  // material-table keeps row state by `id` (and warns about rows without one).
  const rows = useMemo(
    () => traces.map(t => ({ ...t, id: t.traceId })),
    [traces],
  );
  const onRowClick = useCallback(
    (_e?: unknown, row?: TraceSummary) => row && onSelect(row.traceId),
    [onSelect],
  );
  return (
    <Table<TraceSummary>
      columns={columns}
      data={rows}
      onRowClick={onRowClick}
      options={options}
    />
  );
}
