import { useMemo, useState } from 'react';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import ErrorIcon from '@material-ui/icons/Error';
import OpenInNewIcon from '@material-ui/icons/OpenInNew';
import type {
  AttributeValue,
  Span,
  Trace,
} from '@fastify-backstage/plugin-service-health-common';
import { formatDuration, formatTime } from '../shared/format';
import { statusColors } from '../shared/status';
import { criticalPath, flattenTrace } from './traceTree';

export const waterfallColors = {
  critical: '#2563EB',
  other: '#93C5FD',
  error: statusColors.fail,
};

/** The header's colour key, one entry per kind of bar. */
const LEGEND = [
  { label: 'Critical path', color: waterfallColors.critical },
  { label: 'Other spans', color: waterfallColors.other },
  { label: 'Error', color: waterfallColors.error },
];

const LABEL_WIDTH = '34%';

const useStyles = makeStyles((theme: Theme) => ({
  root: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    overflow: 'hidden',
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 1.5),
    borderBottom: `1px solid ${theme.palette.divider}`,
    background: theme.palette.background.default,
  },
  title: { fontWeight: 600 },
  traceId: {
    fontFamily: 'monospace',
    fontSize: '0.75rem',
    color: theme.palette.text.secondary,
  },
  facts: {
    display: 'flex',
    gap: theme.spacing(2),
    color: theme.palette.text.secondary,
    fontSize: '0.8125rem',
    fontVariantNumeric: 'tabular-nums',
  },
  spacer: { flex: 1 },
  legend: {
    display: 'flex',
    gap: theme.spacing(2),
    fontSize: '0.75rem',
    color: theme.palette.text.secondary,
    alignItems: 'center',
  },
  swatch: {
    display: 'inline-block',
    width: 12,
    height: 8,
    borderRadius: 2,
    marginRight: 4,
    verticalAlign: 'middle',
  },
  axis: {
    display: 'flex',
    fontSize: '0.6875rem',
    color: theme.palette.text.secondary,
    borderBottom: `1px solid ${theme.palette.divider}`,
    fontVariantNumeric: 'tabular-nums',
  },
  axisLabel: {
    width: LABEL_WIDTH,
    flexShrink: 0,
    padding: theme.spacing(0.5, 1.5),
  },
  axisTrack: { position: 'relative', flex: 1, height: 22, marginRight: 56 },
  tick: {
    position: 'absolute',
    top: 4,
    transform: 'translateX(-50%)',
    whiteSpace: 'nowrap',
    '&:first-child': { transform: 'none' },
  },
  rows: { maxHeight: 480, overflowY: 'auto' },
  row: {
    display: 'flex',
    alignItems: 'center',
    height: 26,
    cursor: 'pointer',
    borderBottom: `1px solid ${theme.palette.divider}40`,
    '&:hover': { background: theme.palette.action.hover },
    '&:focus-visible': {
      outline: `2px solid ${waterfallColors.critical}`,
      outlineOffset: -2,
    },
  },
  selected: {
    background: `${theme.palette.action.selected} !important`,
  },
  label: {
    width: LABEL_WIDTH,
    flexShrink: 0,
    display: 'flex',
    alignItems: 'center',
    gap: 6,
    paddingRight: theme.spacing(1),
    overflow: 'hidden',
    fontSize: '0.8125rem',
  },
  op: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  service: {
    color: theme.palette.text.secondary,
    fontSize: '0.6875rem',
    whiteSpace: 'nowrap',
  },
  track: {
    position: 'relative',
    flex: 1,
    height: '100%',
    marginRight: 56,
    backgroundImage: `linear-gradient(to right, ${theme.palette.divider} 1px, transparent 1px)`,
    backgroundSize: '25% 100%',
  },
  bar: {
    position: 'absolute',
    top: 7,
    height: 12,
    borderRadius: 2,
    minWidth: 2,
  },
  barCritical: { boxShadow: `0 0 0 1px ${waterfallColors.critical}` },
  duration: {
    position: 'absolute',
    top: 5,
    fontSize: '0.6875rem',
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
    color: theme.palette.text.secondary,
  },
  errorIcon: { fontSize: 14, color: statusColors.fail, flexShrink: 0 },
  details: {
    borderTop: `1px solid ${theme.palette.divider}`,
    padding: theme.spacing(1.5),
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)',
    gap: theme.spacing(2),
    [theme.breakpoints.down('sm')]: { gridTemplateColumns: 'minmax(0, 1fr)' },
  },
  kv: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: theme.spacing(2),
    rowGap: 2,
    fontSize: '0.8125rem',
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': {
      margin: 0,
      fontFamily: 'monospace',
      wordBreak: 'break-all',
    },
  },
  sectionTitle: {
    fontSize: '0.75rem',
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
    color: theme.palette.text.secondary,
    fontWeight: 600,
    margin: theme.spacing(0, 0, 0.75),
  },
  event: {
    borderLeft: `2px solid ${theme.palette.divider}`,
    paddingLeft: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  eventError: { borderLeftColor: statusColors.fail },
  pre: {
    fontSize: '0.6875rem',
    maxHeight: 160,
    overflow: 'auto',
    background: theme.palette.background.default,
    padding: theme.spacing(0.5, 1),
    margin: theme.spacing(0.5, 0, 0),
    whiteSpace: 'pre-wrap',
  },
}));

const statusLabels = { error: 'Error', ok: 'OK', unset: 'Unset' } as const;

function barColor(isError: boolean, isCritical: boolean) {
  if (isError) return waterfallColors.error;
  return isCritical ? waterfallColors.critical : waterfallColors.other;
}

function durationLabelStyle(left: number, width: number, color: string) {
  if (width > 25) {
    return {
      left: `${left}%`,
      marginLeft: 6,
      fontWeight: 600,
      color: color === waterfallColors.other ? '#1E3A8A' : '#fff',
    };
  }
  if (left + width > 80) {
    return { right: `${100 - left}%`, marginRight: 4 };
  }
  return { left: `${left + width}%`, marginLeft: 4 };
}

function deepLinkLabel(url: string) {
  const lower = url.toLowerCase();
  if (lower.includes('grafana')) return 'Open in Grafana';
  if (lower.includes('tempo')) return 'Open in Tempo';
  if (lower.includes('jaeger') || lower.includes(':16686'))
    return 'Open in Jaeger';
  return 'Open trace';
}

function formatAttr(value: AttributeValue): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

function SpanDetails(props: {
  span: Span;
  traceStart: number;
  critical: boolean;
}) {
  const { span, traceStart, critical } = props;
  const classes = useStyles();
  const attributes = Object.entries(span.attributes).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return (
    <div className={classes.details} data-testid="span-details">
      <div>
        <Typography variant="subtitle1" style={{ fontWeight: 600 }}>
          {span.operation}
        </Typography>
        <div
          style={{
            display: 'flex',
            gap: 6,
            flexWrap: 'wrap',
            margin: '4px 0 12px',
          }}
        >
          <Chip size="small" label={span.serviceName} />
          <Chip size="small" variant="outlined" label={span.kind} />
          <Chip
            size="small"
            label={statusLabels[span.status]}
            style={
              span.status === 'error'
                ? { background: statusColors.fail, color: '#fff' }
                : undefined
            }
          />
          {critical && (
            <Chip
              size="small"
              label="Critical path"
              style={{ background: waterfallColors.critical, color: '#fff' }}
            />
          )}
        </div>
        <dl className={classes.kv}>
          <dt>Duration</dt>
          <dd>{formatDuration(span.durationMs)}</dd>
          <dt>Starts at</dt>
          <dd>+{formatDuration(span.startTime - traceStart)}</dd>
          <dt>Span ID</dt>
          <dd>{span.spanId}</dd>
          {span.parentSpanId && (
            <>
              <dt>Parent</dt>
              <dd>{span.parentSpanId}</dd>
            </>
          )}
          {span.statusMessage && (
            <>
              <dt>Status</dt>
              <dd style={{ color: statusColors.fail }}>{span.statusMessage}</dd>
            </>
          )}
        </dl>
        {span.events.length > 0 && (
          <>
            <Typography
              className={classes.sectionTitle}
              style={{ marginTop: 16 }}
            >
              Events ({span.events.length})
            </Typography>
            {span.events.map((event, i) => {
              const isError = event.name === 'exception';
              const { 'exception.stacktrace': stack, ...rest } =
                event.attributes;
              return (
                <div
                  key={`${event.name}-${i}`}
                  className={`${classes.event} ${
                    isError ? classes.eventError : ''
                  }`}
                >
                  <Typography variant="body2">
                    <strong>{event.name}</strong>{' '}
                    <span style={{ opacity: 0.7 }}>
                      +{formatDuration(event.time - span.startTime)}
                    </span>
                  </Typography>
                  <dl className={classes.kv}>
                    {Object.entries(rest).map(([k, v]) => (
                      <FragmentKv key={k} k={k} v={formatAttr(v)} />
                    ))}
                  </dl>
                  {stack && (
                    <pre className={classes.pre}>{formatAttr(stack)}</pre>
                  )}
                </div>
              );
            })}
          </>
        )}
        {span.links && span.links.length > 0 && (
          <div data-testid="span-links">
            <Typography
              className={classes.sectionTitle}
              style={{ marginTop: 16 }}
            >
              Links ({span.links.length})
            </Typography>
            {span.links.map(link => (
              <div
                key={`${link.traceId}-${link.spanId}`}
                className={classes.event}
              >
                <dl className={classes.kv}>
                  <FragmentKv
                    k="Trace"
                    v={
                      link.traceId === span.traceId
                        ? `${link.traceId} (this trace)`
                        : link.traceId
                    }
                  />
                  <FragmentKv k="Span" v={link.spanId} />
                  {Object.entries(link.attributes).map(([k, v]) => (
                    <FragmentKv key={k} k={k} v={formatAttr(v)} />
                  ))}
                </dl>
              </div>
            ))}
          </div>
        )}
      </div>
      <div>
        <Typography className={classes.sectionTitle}>
          Attributes ({attributes.length})
        </Typography>
        {attributes.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            None
          </Typography>
        ) : (
          <dl className={classes.kv} data-testid="span-attributes">
            {attributes.map(([k, v]) => (
              <FragmentKv key={k} k={k} v={formatAttr(v)} />
            ))}
          </dl>
        )}
      </div>
    </div>
  );
}

function FragmentKv(props: { k: string; v: string }) {
  return (
    <>
      <dt>{props.k}</dt>
      <dd>{props.v}</dd>
    </>
  );
}

/** A trace as a waterfall: one row per span, critical path and errors highlighted. */
export function TraceWaterfall(props: { trace: Trace; onClose?: () => void }) {
  const { trace, onClose } = props;
  const classes = useStyles();
  const rows = useMemo(() => flattenTrace(trace.spans), [trace.spans]);
  const critical = useMemo(() => criticalPath(trace.spans), [trace.spans]);
  const traceStart = rows.length
    ? Math.min(...trace.spans.map(s => s.startTime))
    : 0;
  const traceEnd = rows.length
    ? Math.max(...trace.spans.map(s => s.startTime + s.durationMs))
    : 0;
  const total = Math.max(traceEnd - traceStart, 0.001);
  const firstError = rows.find(r => r.span.status === 'error');
  const [selectedId, setSelectedId] = useState<string | undefined>(
    (firstError ?? rows[0])?.span.spanId,
  );
  const selected = rows.find(r => r.span.spanId === selectedId)?.span;
  const errors = trace.spans.filter(s => s.status === 'error').length;
  const services = Array.from(new Set(trace.spans.map(s => s.serviceName)));
  const root = rows[0]?.span;

  return (
    <div className={classes.root} data-testid="trace-waterfall">
      <div className={classes.header}>
        <div>
          <Typography variant="subtitle1" className={classes.title}>
            {root?.operation ?? trace.summary.rootOperation}
          </Typography>
          <span className={classes.traceId}>
            trace {trace.traceId} · {formatTime(traceStart)}
          </span>
        </div>
        <div className={classes.facts}>
          <span>{formatDuration(total)}</span>
          <span>
            {trace.spans.length} span{trace.spans.length === 1 ? '' : 's'}
          </span>
          <span
            style={
              errors ? { color: statusColors.fail, fontWeight: 600 } : undefined
            }
          >
            {errors} error{errors === 1 ? '' : 's'}
          </span>
          <span>{services.join(', ')}</span>
        </div>
        <div className={classes.spacer} />
        <div className={classes.legend}>
          {LEGEND.map(({ label, color }) => (
            <span key={label}>
              <span className={classes.swatch} style={{ background: color }} />
              {label}
            </span>
          ))}
        </div>
        {trace.summary.deepLink && (
          <Button
            size="small"
            variant="outlined"
            color="primary"
            href={trace.summary.deepLink}
            target="_blank"
            rel="noopener noreferrer"
            endIcon={<OpenInNewIcon fontSize="small" />}
          >
            {deepLinkLabel(trace.summary.deepLink)}
          </Button>
        )}
        {onClose && (
          <IconButton size="small" aria-label="Close trace" onClick={onClose}>
            <CloseIcon fontSize="small" />
          </IconButton>
        )}
      </div>
      <div className={classes.axis} aria-hidden>
        <div className={classes.axisLabel}>Span</div>
        <div className={classes.axisTrack}>
          {[0, 0.25, 0.5, 0.75, 1].map(f => (
            <span
              key={f}
              className={classes.tick}
              style={{ left: `${f * 100}%` }}
            >
              {f === 0 ? '0' : formatDuration(total * f)}
            </span>
          ))}
        </div>
      </div>
      <div className={classes.rows} role="listbox" aria-label="Spans">
        {rows.map(({ span, depth, offsetMs }) => {
          const isError = span.status === 'error';
          const isCritical = critical.has(span.spanId);
          const left = (offsetMs / total) * 100;
          const width = (span.durationMs / total) * 100;
          const color = barColor(isError, isCritical);
          return (
            <div
              key={span.spanId}
              role="option"
              tabIndex={0}
              aria-label={`${span.operation} ${formatDuration(
                span.durationMs,
              )}`}
              aria-selected={span.spanId === selectedId}
              data-span-id={span.spanId}
              data-critical={isCritical ? 'true' : 'false'}
              data-error={isError ? 'true' : 'false'}
              className={`${classes.row} ${
                span.spanId === selectedId ? classes.selected : ''
              }`}
              onClick={() => setSelectedId(span.spanId)}
              onKeyDown={e => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  setSelectedId(span.spanId);
                }
              }}
            >
              <div
                className={classes.label}
                style={{ paddingLeft: 12 + depth * 14 }}
              >
                {isError && (
                  <ErrorIcon className={classes.errorIcon} aria-label="error" />
                )}
                <span className={classes.op} title={span.operation}>
                  {span.operation}
                </span>
                {services.length > 1 && (
                  <span className={classes.service}>{span.serviceName}</span>
                )}
              </div>
              <div className={classes.track}>
                <span
                  className={`${classes.bar} ${
                    isCritical && !isError ? classes.barCritical : ''
                  }`}
                  style={{
                    left: `${left}%`,
                    width: `${width}%`,
                    background: color,
                  }}
                />
                <span
                  className={classes.duration}
                  style={durationLabelStyle(left, width, color)}
                >
                  {formatDuration(span.durationMs)}
                </span>
              </div>
            </div>
          );
        })}
      </div>
      {selected && (
        <SpanDetails
          span={selected}
          traceStart={traceStart}
          critical={critical.has(selected.spanId)}
        />
      )}
    </div>
  );
}
