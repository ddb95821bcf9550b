import { ReactNode } from 'react';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';

const useStyles = makeStyles((theme: Theme) => ({
  root: {
    display: 'flex',
    flexDirection: 'column',
    padding: theme.spacing(1, 1.5),
    borderRadius: theme.shape.borderRadius,
    border: `1px solid ${theme.palette.divider}`,
    minWidth: 0,
    borderLeft: '3px solid',
  },
  label: {
    color: theme.palette.text.secondary,
    fontSize: '0.75rem',
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
    fontWeight: 500,
    whiteSpace: 'nowrap',
  },
  value: {
    fontSize: '1.375rem',
    fontWeight: 600,
    lineHeight: 1.3,
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  },
  dense: { padding: theme.spacing(0.75, 1) },
  denseValue: { fontSize: '1.125rem' },
  hint: { color: theme.palette.text.secondary, fontSize: '0.75rem' },
}));

/** A key figure: label, big number with its unit, optional hint. */
export function Stat(props: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  /** Accent colour (left border); e.g. a status colour when over a threshold. */
  color?: string;
  /** Smaller figures, for narrow places like the overview card. */
  dense?: boolean;
}) {
  const classes = useStyles();
  return (
    <div
      className={`${classes.root} ${props.dense ? classes.dense : ''}`}
      style={{ borderLeftColor: props.color ?? 'transparent' }}
      data-testid={`stat-${props.label}`}
    >
      <span className={classes.label}>{props.label}</span>
      <Typography
        component="span"
        className={`${classes.value} ${props.dense ? classes.denseValue : ''}`}
      >
        {props.value}
      </Typography>
      {props.hint && <span className={classes.hint}>{props.hint}</span>}
    </div>
  );
}
