import { useEffect, useState } from 'react';
import FormControl from '@material-ui/core/FormControl';
import IconButton from '@material-ui/core/IconButton';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import RefreshIcon from '@material-ui/icons/Refresh';
import PauseIcon from '@material-ui/icons/PauseCircleOutline';
import type { ServiceEnvironment } from '@fastify-backstage/plugin-service-health-common';
import { RANGES, RangeKey, REFRESH_INTERVALS } from './context';
import { formatRelative } from '../shared/format';

const useStyles = makeStyles((theme: Theme) => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1.5),
  },
  spacer: { flex: 1 },
  control: { minWidth: 150 },
  small: { minWidth: 110 },
  updated: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    color: theme.palette.text.secondary,
    whiteSpace: 'nowrap',
  },
  pauseIcon: { fontSize: 16 },
}));

/** "Updated 12 s ago", ticking on its own so the page does not re-render. */
function UpdatedAgo(props: { time: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(id);
  }, []);
  return <>Updated {formatRelative(props.time, Math.max(now, props.time))}</>;
}

export function Toolbar(props: {
  environments: ServiceEnvironment[];
  environment?: string;
  onEnvironmentChange(name: string): void;
  range: RangeKey;
  onRangeChange(range: RangeKey): void;
  refreshMs: number;
  onRefreshMsChange(ms: number): void;
  onRefresh(): void;
  refreshing: boolean;
  paused: boolean;
  lastUpdated?: number;
}) {
  const classes = useStyles();
  return (
    <div className={classes.root} data-testid="service-health-toolbar">
      {props.environments.length > 1 && (
        <FormControl
          variant="outlined"
          size="small"
          className={classes.control}
        >
          <InputLabel id="sh-env-label">Environment</InputLabel>
          <Select
            labelId="sh-env-label"
            label="Environment"
            value={props.environment ?? ''}
            onChange={e => props.onEnvironmentChange(String(e.target.value))}
            SelectDisplayProps={{ 'aria-label': 'Environment' } as any}
          >
            {props.environments.map(env => (
              <MenuItem key={env.name} value={env.name}>
                {env.title ?? env.name}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      )}
      <div className={classes.spacer} />
      <Typography variant="caption" className={classes.updated}>
        {props.paused ? (
          <>
            <PauseIcon className={classes.pauseIcon} /> Auto-refresh paused
            while the tab is hidden
          </>
        ) : (
          props.lastUpdated && <UpdatedAgo time={props.lastUpdated} />
        )}
      </Typography>
      <FormControl variant="outlined" size="small" className={classes.control}>
        <InputLabel id="sh-range-label">Time range</InputLabel>
        <Select
          labelId="sh-range-label"
          label="Time range"
          value={props.range}
          onChange={e => props.onRangeChange(e.target.value as RangeKey)}
          SelectDisplayProps={{ 'aria-label': 'Time range' } as any}
        >
          {(Object.keys(RANGES) as RangeKey[]).map(key => (
            <MenuItem key={key} value={key}>
              {RANGES[key].label}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <FormControl variant="outlined" size="small" className={classes.small}>
        <InputLabel id="sh-refresh-label">Auto-refresh</InputLabel>
        <Select
          labelId="sh-refresh-label"
          label="Auto-refresh"
          value={props.refreshMs}
          onChange={e => props.onRefreshMsChange(Number(e.target.value))}
          SelectDisplayProps={{ 'aria-label': 'Auto-refresh' } as any}
        >
          {REFRESH_INTERVALS.map(option => (
            <MenuItem key={option.ms} value={option.ms}>
              {option.label}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <Tooltip title="Probe the service now and reload everything">
        <span>
          <IconButton
            size="small"
            aria-label="Refresh now"
            onClick={props.onRefresh}
            disabled={props.refreshing}
          >
            <RefreshIcon />
          </IconButton>
        </span>
      </Tooltip>
    </div>
  );
}
