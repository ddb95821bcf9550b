import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { useEffect, useState } from 'react';
import { serviceHealthApiRef } from '@fastify-backstage/plugin-service-health';

const REFRESH_MS = 15_000;

const useStyles = makeStyles(theme => ({
  item: { gap: theme.spacing(2), flexWrap: 'wrap' },
  name: { flex: '1 1 12rem', minWidth: 0 },
  status: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
    whiteSpace: 'nowrap',
  },
  dot: { width: 10, height: 10, borderRadius: '50%', flex: 'none' },
}));

type Status = { label: string; color: string; detail?: string };

const STATUS: Record<string, Omit<Status, 'detail'>> = {
  pass: { label: 'Healthy', color: '#2e7d32' },
  warn: { label: 'Degraded', color: '#ed6c02' },
  fail: { label: 'Unhealthy', color: '#d32f2f' },
  down: { label: 'Not running', color: '#757575' },
};

/** The service's latest probe, refreshed every 15 s while the page is open. */
function useServiceStatus(entityRef: string): Status | undefined {
  const api = useApi(serviceHealthApiRef);
  const [status, setStatus] = useState<Status>();
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const res = await api.getHealth(entityRef);
        if (!live) return;
        setStatus(
          res.data
            ? STATUS[res.data.status] ?? {
                label: res.data.status,
                color: '#757575',
              }
            : {
                label: 'No data yet',
                color: '#9e9e9e',
                detail: 'first probe pending',
              },
        );
      } catch (e) {
        if (live)
          setStatus({
            label: 'Unknown',
            color: '#9e9e9e',
            detail: (e as Error).message,
          });
      }
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, entityRef]);
  return status;
}

function ServiceRow(props: { entity: Entity }) {
  const classes = useStyles();
  const entityRef = stringifyEntityRef(props.entity);
  const status = useServiceStatus(entityRef);
  const healthPath = `/catalog/${
    props.entity.metadata.namespace ?? 'default'
  }/component/${props.entity.metadata.name}/health`;
  return (
    <ListItem
      divider
      className={classes.item}
      data-testid={`home-service-${props.entity.metadata.name}`}
    >
      <ListItemText
        className={classes.name}
        primary={<EntityRefLink entityRef={props.entity} />}
        secondary={props.entity.metadata.description}
      />
      <span
        className={classes.status}
        role="status"
        aria-label={status ? `${status.label}` : 'Checking'}
        title={status?.detail}
      >
        <span
          className={classes.dot}
          style={{ background: status?.color ?? '#bdbdbd' }}
        />
        <Typography variant="body2">{status?.label ?? 'Checking…'}</Typography>
      </span>
      <Link to={healthPath}>Health tab</Link>
    </ListItem>
  );
}

export function ServiceList(props: { entities: Entity[] }) {
  if (props.entities.length === 0) {
    return (
      <Typography>
        No services yet. Create one: it appears here with its live status.
      </Typography>
    );
  }
  return (
    <List dense disablePadding>
      {props.entities.map(entity => (
        <ServiceRow key={stringifyEntityRef(entity)} entity={entity} />
      ))}
    </List>
  );
}
