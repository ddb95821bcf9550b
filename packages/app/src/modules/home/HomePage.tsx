import {
  Content,
  Header,
  InfoCard,
  Link,
  LinkButton,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import AddIcon from '@material-ui/icons/Add';
import useAsync from 'react-use/esm/useAsync';
import { SERVICE_HEALTH_ANNOTATIONS } from '@fastify-backstage/plugin-service-health';
import { ServiceList } from './ServiceList';

const useStyles = makeStyles(theme => ({
  column: { display: 'flex', flexDirection: 'column', gap: theme.spacing(3) },
}));

export function HomePage() {
  const classes = useStyles();
  const catalogApi = useApi(catalogApiRef);
  const title = useApi(configApiRef).getOptionalString('app.title');
  const services = useAsync(
    async () =>
      (
        await catalogApi.getEntities({
          filter: {
            kind: 'Component',
            [`metadata.annotations.${SERVICE_HEALTH_ANNOTATIONS.baseUrl}`]:
              CATALOG_FILTER_EXISTS,
          },
          fields: ['kind', 'metadata', 'spec.owner', 'spec.type'],
          order: { field: 'metadata.name', order: 'asc' },
        })
      ).items,
    [catalogApi],
  );

  return (
    <Page themeId="home">
      <Header
        title={title ?? 'Developer portal'}
        subtitle="Start a Fastify service, then watch it run"
      />
      <Content>
        <Grid container spacing={3}>
          <Grid item xs={12} md={7}>
            <InfoCard
              title="Services"
              subheader="Live status from their health endpoints"
            >
              {services.loading && <Progress />}
              {services.error && <ResponseErrorPanel error={services.error} />}
              {services.value && <ServiceList entities={services.value} />}
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={5} className={classes.column}>
            <InfoCard title="Start a new service">
              <Typography paragraph>
                The Fastify service template asks for a name, an owner and the
                features you want, then creates the repository, registers it in
                the catalog and tells you how to run it.
              </Typography>
              <LinkButton
                to="/create/templates/default/fastify-service"
                variant="contained"
                color="primary"
                startIcon={<AddIcon />}
              >
                Create a Fastify service
              </LinkButton>
            </InfoCard>
            <InfoCard title="Where to go next">
              <ul>
                <li>
                  <Typography>
                    <Link to="/catalog">Catalog</Link>: every service, API, team
                    and template of this portal.
                  </Typography>
                </li>
                <li>
                  <Typography>
                    <Link to="/api-docs">APIs</Link>: the OpenAPI documents
                    services publish.
                  </Typography>
                </li>
                <li>
                  <Typography>
                    <Link to="/create">Create</Link>: all templates.
                  </Typography>
                </li>
                <li>
                  <Typography>
                    A service's <b>Health</b> tab: status, latency, errors and
                    traces while it runs.
                  </Typography>
                </li>
              </ul>
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
