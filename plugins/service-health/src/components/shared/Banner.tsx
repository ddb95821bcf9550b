import { ReactNode } from 'react';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import ErrorIcon from '@material-ui/icons/Error';
import WarningIcon from '@material-ui/icons/Warning';
import InfoIcon from '@material-ui/icons/Info';
import PowerOffIcon from '@material-ui/icons/PowerSettingsNew';
import CloudOffIcon from '@material-ui/icons/CloudOff';
import { statusColors } from './status';

export type BannerSeverity = 'down' | 'error' | 'warning' | 'info' | 'offline';

const severityColor: Record<BannerSeverity, string> = {
  down: statusColors.down,
  error: statusColors.fail,
  warning: statusColors.warn,
  info: '#2563EB',
  offline: '#6B7280',
};

const severityIcon = {
  down: PowerOffIcon,
  error: ErrorIcon,
  warning: WarningIcon,
  info: InfoIcon,
  offline: CloudOffIcon,
};

const useStyles = makeStyles((theme: Theme) => ({
  root: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1.25, 2),
    borderLeft: '4px solid',
  },
  icon: { marginTop: 1 },
  body: { flex: 1, minWidth: 0 },
  title: { fontWeight: 600, lineHeight: 1.5 },
  text: { color: theme.palette.text.secondary, wordBreak: 'break-word' },
  action: { alignSelf: 'center' },
}));

/** A compact inline notice: service down, source unreachable, partial data. */
export function Banner(props: {
  severity: BannerSeverity;
  title: ReactNode;
  children?: ReactNode;
  action?: ReactNode;
  'data-testid'?: string;
}) {
  const classes = useStyles();
  const color = severityColor[props.severity];
  const Icon = severityIcon[props.severity];
  return (
    <Paper
      variant="outlined"
      className={classes.root}
      style={{ borderLeftColor: color, background: `${color}0F` }}
      role={
        props.severity === 'down' || props.severity === 'error'
          ? 'alert'
          : 'note'
      }
      data-testid={props['data-testid']}
    >
      <Icon className={classes.icon} style={{ color }} />
      <div className={classes.body}>
        <Typography variant="body2" className={classes.title}>
          {props.title}
        </Typography>
        {props.children && (
          <Typography variant="body2" component="div" className={classes.text}>
            {props.children}
          </Typography>
        )}
      </div>
      {props.action && <div className={classes.action}>{props.action}</div>}
    </Paper>
  );
}
