import {
  InfoCard,
  LinkButton,
  MarkdownContent,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  getCompoundEntityRef,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles, Theme } from '@material-ui/core/styles';
import { TemplateDrift } from '@fastify-backstage/plugin-template-updates-common';
import useAsync from 'react-use/esm/useAsync';
import { templateUpdatesApiRef } from '../../api';

const useStyles = makeStyles((theme: Theme) => ({
  versions: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  label: { color: theme.palette.text.secondary, display: 'block' },
  version: { fontFamily: 'monospace', fontSize: '1.1rem' },
  section: { marginBottom: theme.spacing(1.5) },
  note: { color: theme.palette.text.secondary, marginTop: theme.spacing(1) },
  behind: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  current: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
}));

/** The scaffolder page of the update template, with the entity filled in. */
export function updateTemplateUrl(drift: TemplateDrift): string | undefined {
  if (!drift.updateTemplateRef) return undefined;
  const ref = parseEntityRef(drift.updateTemplateRef, {
    defaultKind: 'template',
  });
  const formData = JSON.stringify({ entity: drift.entityRef });
  return `/create/templates/${encodeURIComponent(
    ref.namespace,
  )}/${encodeURIComponent(ref.name)}?formData=${encodeURIComponent(formData)}`;
}

function statusLabel(drift: TemplateDrift): string {
  switch (drift.status) {
    case 'behind':
      return drift.changes.length
        ? `${drift.changes.length} version${
            drift.changes.length === 1 ? '' : 's'
          } behind`
        : 'Behind';
    case 'current':
      return 'Up to date';
    case 'ahead':
      return 'Ahead of the template';
    default:
      return drift.current ? 'Versions not comparable' : 'Template not found';
  }
}

/** The drift card's content for one answer of the backend. */
export function TemplateDriftView(props: { drift: TemplateDrift }) {
  const { drift } = props;
  const classes = useStyles();
  const updateUrl = updateTemplateUrl(drift);
  const statusClass: Partial<Record<TemplateDrift['status'], string>> = {
    behind: classes.behind,
    current: classes.current,
  };
  const templateName =
    drift.templateTitle ?? parseEntityRef(drift.templateRef).name;
  return (
    <>
      <div className={classes.versions}>
        <div>
          <Typography variant="caption" className={classes.label}>
            Made from {templateName}
          </Typography>
          <span className={classes.version}>{drift.madeFrom}</span>
        </div>
        <div>
          <Typography variant="caption" className={classes.label}>
            Template now
          </Typography>
          <span className={classes.version}>{drift.current ?? '—'}</span>
        </div>
        <Chip
          size="small"
          label={statusLabel(drift)}
          className={statusClass[drift.status]}
        />
      </div>
      {drift.status === 'behind' && (
        <>
          <Typography variant="subtitle2" gutterBottom>
            What changed since {drift.madeFrom}
          </Typography>
          {drift.changes.map(section => (
            <div key={section.version} className={classes.section}>
              <Typography variant="body2">
                <strong>{section.version}</strong>
                {section.date ? ` · ${section.date}` : ''}
              </Typography>
              <MarkdownContent content={section.body} dialect="gfm" />
            </div>
          ))}
          {drift.changelogProblem && (
            <Typography variant="body2" className={classes.note}>
              {drift.changelogProblem}
            </Typography>
          )}
          {updateUrl ? (
            <>
              <LinkButton to={updateUrl} variant="contained" color="primary">
                Update to {drift.current}
              </LinkButton>
              <Typography variant="body2" className={classes.note}>
                A three-way merge that keeps your changes, offered as a branch
                or pull request; the default branch is not touched.
              </Typography>
            </>
          ) : (
            <Typography variant="body2" className={classes.note}>
              The template names no update template
              (template-updates.io/update-template).
            </Typography>
          )}
        </>
      )}
    </>
  );
}

/**
 * The entity page card: which template version the service was made from,
 * where the template is now, the changelog in between, and the Update action.
 *
 * @public
 */
export function TemplateDriftCard() {
  const { entity } = useEntity();
  const api = useApi(templateUpdatesApiRef);
  const ref = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(
    () => api.getDrift(getCompoundEntityRef(entity)),
    [api, ref],
  );
  return (
    <InfoCard title="Template">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && <TemplateDriftView drift={value} />}
    </InfoCard>
  );
}
