import {
  Content,
  ContentHeader,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Chip from '@material-ui/core/Chip';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import { BranchDiffFile } from '@fastify-backstage/plugin-template-updates-common';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { templateUpdatesApiRef } from '../../api';

const useStyles = makeStyles((theme: Theme) => ({
  file: { marginBottom: theme.spacing(2), overflow: 'hidden' },
  fileHeader: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(1, 2),
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
  path: { fontFamily: 'monospace', fontWeight: 600 },
  patch: {
    margin: 0,
    padding: theme.spacing(1, 0),
    fontSize: '0.8rem',
    overflowX: 'auto',
  },
  line: { padding: theme.spacing(0, 2), whiteSpace: 'pre' },
  added: { backgroundColor: 'rgba(46, 160, 67, 0.15)' },
  removed: { backgroundColor: 'rgba(248, 81, 73, 0.15)' },
  hunk: { color: theme.palette.text.secondary },
  conflict: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  summary: { marginBottom: theme.spacing(2) },
  message: { whiteSpace: 'pre-wrap', marginBottom: theme.spacing(2) },
}));

function Patch(props: { patch: string }) {
  const classes = useStyles();
  const lineClass = (line: string) => {
    if (line.startsWith('+')) return classes.added;
    if (line.startsWith('-')) return classes.removed;
    if (line.startsWith('@@')) return classes.hunk;
    return '';
  };
  // The two header lines of createTwoFilesPatch ('Index:', '===') and the file names are in the card header.
  const lines = props.patch
    .split('\n')
    .filter(l => !/^(Index: |={10,}|--- |\+\+\+ )/.test(l));
  return (
    <pre className={classes.patch}>
      {lines.map((line, i) => (
        <div key={i} className={`${classes.line} ${lineClass(line)}`}>
          {line || ' '}
        </div>
      ))}
    </pre>
  );
}

function FileDiff(props: { file: BranchDiffFile }) {
  const { file } = props;
  const classes = useStyles();
  return (
    <Paper className={classes.file} variant="outlined">
      <div className={classes.fileHeader}>
        <span className={classes.path}>{file.path}</span>
        <Chip size="small" label={file.status} />
        {file.conflicted && (
          <Chip size="small" label="conflict" className={classes.conflict} />
        )}
      </div>
      {file.patch ? (
        <Patch patch={file.patch} />
      ) : (
        <Typography variant="body2" className={classes.line}>
          Binary or large file: no diff shown.
        </Typography>
      )}
    </Paper>
  );
}

/**
 * The diff of an update branch in a local repository, against the default
 * branch (what a code host's compare view shows):
 * `/template-updates/local-compare?repository=&base=&head=`.
 *
 * @public
 */
export function LocalComparePage() {
  const classes = useStyles();
  const api = useApi(templateUpdatesApiRef);
  const [params] = useSearchParams();
  const repository = params.get('repository') ?? '';
  const base = params.get('base') ?? 'main';
  const head = params.get('head') ?? '';
  const { value, loading, error } = useAsync(
    () => api.compareLocalBranches({ repository, base, head }),
    [api, repository, base, head],
  );
  const conflicted = value?.files.filter(f => f.conflicted) ?? [];
  return (
    <Content>
      <ContentHeader title={`${repository}: ${base} ← ${head}`} />
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && (
        <>
          <Typography variant="body1" className={classes.summary}>
            {value.files.length} file{value.files.length === 1 ? '' : 's'}{' '}
            changed
            {conflicted.length
              ? `; ${conflicted.length} still hold conflict markers: resolve them on the branch before merging.`
              : '; no conflicts.'}{' '}
            Merge with <code>git merge {head}</code> in a clone, or review it
            there first.
          </Typography>
          <Typography variant="body2" className={classes.message}>
            {value.headCommit.message.trim()}
          </Typography>
          {value.files.map(file => (
            <FileDiff key={file.path} file={file} />
          ))}
        </>
      )}
    </Content>
  );
}
