import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  EntityRefLink,
  useEntity,
} from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { serviceHealthStatusApiRef } from '../../api';
import {
  chipOf,
  HealthStatusChip,
  sinceText,
} from '../CatalogHealth/HealthStatusChip';
import { loadRollup, RollupService } from './rollup';
import { SloStatusChip } from './SloStatusChip';

const scopes: Record<string, string> = {
  system: 'in this system',
  domain: "in this domain's systems",
  group: 'owned by this group',
};

function ServiceRow(props: { service: RollupService }) {
  const { service } = props;
  const { label } = chipOf(service.status);
  const since = service.status ? sinceText(service.status) : undefined;
  return (
    <ListItem dense disableGutters data-testid="rollup-service">
      <ListItemText
        primary={<EntityRefLink entityRef={service.entity} />}
        secondary={
          service.status?.reason ?? (since ? `${label} ${since}` : undefined)
        }
      />
      <Box display="flex" alignItems="center" gridGap={8} flexShrink={0}>
        <HealthStatusChip status={service.status} />
        <Box minWidth={110} textAlign="right">
          <SloStatusChip slo={service.slo} />
        </Box>
      </Box>
    </ListItem>
  );
}

/**
 * Health of the services of a System, Domain or Group: how many are healthy
 * and, worst first, which are not and since when, and the worst state of
 * each one's SLOs (budget left on hover). One batch request for the health,
 * one for the SLOs.
 *
 * @public
 */
export function HealthRollupCard() {
  const { entity } = useEntity();
  const catalogApi = useApi(catalogApiRef);
  const statusApi = useApi(serviceHealthStatusApiRef);
  const { value, loading, error } = useAsync(
    () => loadRollup(catalogApi, statusApi, entity),
    [catalogApi, statusApi, entity],
  );
  const scope = scopes[entity.kind.toLocaleLowerCase('en-US')] ?? '';

  let body;
  if (loading) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (!value || value.services.length === 0) {
    body = (
      <EmptyState
        missing="info"
        title="No monitored services"
        description={`No component ${scope} has a service-health base URL annotation${
          value?.unmonitored
            ? ` (${value.unmonitored} component${
                value.unmonitored === 1 ? '' : 's'
              } without one)`
            : ''
        }.`}
      />
    );
  } else {
    const notHealthy = value.services.filter(s => s.status?.state !== 'pass');
    const healthy = value.services.filter(s => s.status?.state === 'pass');
    body = (
      <>
        <Typography variant="h6" data-testid="rollup-summary">
          {value.healthy} of {value.services.length} service
          {value.services.length === 1 ? '' : 's'} healthy
          {value.sloBreached > 0 &&
            ` · ${value.sloBreached} with an SLO breached`}
        </Typography>
        {value.sloError && (
          <Typography variant="body2" color="error">
            SLO status unavailable: {value.sloError.message}
          </Typography>
        )}
        {value.unmonitored > 0 && (
          <Typography variant="body2" color="textSecondary">
            {value.unmonitored} more component
            {value.unmonitored === 1 ? '' : 's'} {scope} without health
            monitoring
          </Typography>
        )}
        <List dense aria-label="Services, worst first">
          {[...notHealthy, ...healthy].map(s => (
            <ServiceRow key={s.entityRef} service={s} />
          ))}
        </List>
      </>
    );
  }
  return <InfoCard title="Service health">{body}</InfoCard>;
}
