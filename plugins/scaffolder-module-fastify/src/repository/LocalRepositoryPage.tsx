import {
  CodeSnippet,
  Content,
  EmptyState,
  Header,
  InfoCard,
  Link,
  MarkdownContent,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApiHolder } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { Route, Routes, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { FastifyScaffolderClient, LocalRepositoryDescription } from '../api';

/** `/local-git/:name`: what the task's "Repository" link opens for the local publisher. */
export function LocalRepositoryPage() {
  return (
    <Routes>
      <Route path=":name" element={<LocalRepository />} />
      <Route
        path="*"
        element={
          <Page themeId="tool">
            <Header title="Local repositories" />
            <Content>
              <EmptyState
                missing="info"
                title="Open a repository from its link"
                description="The Create task's Repository link leads to /local-git/<name>."
              />
            </Content>
          </Page>
        }
      />
    </Routes>
  );
}

function LocalRepository() {
  const { name = '' } = useParams();
  const apis = useApiHolder();
  const repository = useAsync(
    () => new FastifyScaffolderClient(apis).getLocalRepository(name),
    [apis, name],
  );
  return (
    <Page themeId="tool">
      <Header
        title={name}
        subtitle="A local git repository made by this portal's Create form"
        type="Repository"
      />
      <Content>
        {repository.loading && <Progress />}
        {repository.error && <ResponseErrorPanel error={repository.error} />}
        {!repository.loading && !repository.error && !repository.value && (
          <EmptyState
            missing="data"
            title={`No local repository named ${name}`}
            description="It may have been deleted from the portal's local repository root."
          />
        )}
        {repository.value && <RepositoryView repository={repository.value} />}
      </Content>
    </Page>
  );
}

const useStyles = makeStyles(theme => ({
  column: { display: 'flex', flexDirection: 'column', gap: theme.spacing(3) },
}));

function RepositoryView(props: { repository: LocalRepositoryDescription }) {
  const { repository } = props;
  const classes = useStyles();
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Clone it">
          <CodeSnippet
            language="shell"
            text={repository.cloneCommand}
            showCopyCodeButton
          />
          <Typography variant="body2" color="textSecondary">
            Branch {repository.defaultBranch}. In the catalog:{' '}
            <Link to={`/catalog/default/component/${repository.name}`}>
              {repository.name}
            </Link>
            .
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={5} className={classes.column}>
        <InfoCard title="Commits">
          <List dense disablePadding>
            {repository.commits.map(commit => (
              <ListItem key={commit.oid} divider>
                <ListItemText
                  primary={commit.message.split('\n')[0]}
                  secondary={`${commit.oid.slice(0, 8)} · ${
                    commit.author
                  } · ${new Date(commit.date).toLocaleString()}`}
                />
              </ListItem>
            ))}
          </List>
        </InfoCard>
        <InfoCard title={`Files (${repository.files.length})`}>
          <Typography
            component="pre"
            variant="body2"
            style={{ margin: 0, maxHeight: 480, overflow: 'auto' }}
          >
            {repository.files.join('\n')}
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <InfoCard title="README.md">
          {repository.readme ? (
            <MarkdownContent content={repository.readme} />
          ) : (
            <Typography>This repository has no README.md.</Typography>
          )}
        </InfoCard>
      </Grid>
    </Grid>
  );
}
