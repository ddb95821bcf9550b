import {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import { useEffect } from 'react';

/** `ui:options` of GithubRepoPicker. */
export interface GithubRepoPickerUiOptions {
  /** Default: github.com. */
  host?: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

/** `github.com?owner=o&repo=r`, the value RepoUrlPicker produces and publish:github reads. */
export function formatRepoUrl(host: string, owner: string, repo: string) {
  const params = new URLSearchParams({ owner, repo });
  return `${host}?${params.toString()}`;
}

export function parseRepoUrl(value: string | undefined): {
  host?: string;
  owner: string;
  repo: string;
} {
  if (!value) return { owner: '', repo: '' };
  const [host, query = ''] = value.split('?');
  const params = new URLSearchParams(query);
  return {
    host,
    owner: params.get('owner') ?? '',
    repo: params.get('repo') ?? '',
  };
}

const useStyles = makeStyles(theme => ({
  row: { display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap' },
}));

/**
 * Owner and repository as two plain text fields: what is typed counts at once
 * (no Tab needed to commit it), and the repository name starts as the
 * service's name.
 */
export function GithubRepoPicker(
  props: FieldExtensionComponentProps<string, GithubRepoPickerUiOptions>,
) {
  const {
    onChange,
    schema,
    uiSchema,
    formData,
    idSchema,
    rawErrors,
    formContext,
  } = props;
  const classes = useStyles();
  const host = uiSchema['ui:options']?.host ?? 'github.com';
  const { owner, repo } = parseRepoUrl(formData);
  const serviceName = formContext?.formData?.name;
  // With another publish target chosen the field shows nothing and drops what was typed, so
  // the Review step lists no GitHub repository that nobody will create. (The form's state
  // (formContext.formData) follows every change, so it knows the target already.)
  const target = formContext?.formData?.publishTarget;
  const unused = typeof target === 'string' && target !== 'github';
  useEffect(() => {
    if (unused && formData) onChange(undefined as any);
  }, [unused, formData, onChange]);

  useEffect(() => {
    if (unused) return;
    if (!formData && typeof serviceName === 'string' && serviceName) {
      onChange(formatRepoUrl(host, '', serviceName));
    }
  }, [unused, formData, serviceName, host, onChange]);

  if (unused) return null;
  return (
    <FormControl
      margin="normal"
      required
      error={(rawErrors?.length ?? 0) > 0}
      component="fieldset"
    >
      <FormLabel component="legend">{schema.title ?? 'Repository'}</FormLabel>
      <div className={classes.row}>
        <TextField
          id={`${idSchema?.$id}-owner`}
          label={`Owner on ${host}`}
          value={owner}
          onChange={event =>
            onChange(formatRepoUrl(host, event.target.value.trim(), repo))
          }
          margin="dense"
        />
        <TextField
          id={`${idSchema?.$id}-repo`}
          label="Repository name"
          value={repo}
          onChange={event =>
            onChange(formatRepoUrl(host, owner, event.target.value.trim()))
          }
          margin="dense"
        />
      </div>
      {schema.description && (
        <FormHelperText>{schema.description}</FormHelperText>
      )}
    </FormControl>
  );
}

export const githubRepoValidation: CustomFieldValidator<string> = (
  value,
  validation,
  context,
) => {
  const target = context.formData?.publishTarget;
  if (typeof target === 'string' && target !== 'github') return;
  const { owner, repo } = parseRepoUrl(value);
  if (!OWNER.test(owner)) {
    validation.addError(
      'Enter the owner: a GitHub user or organisation name (letters, digits and dashes).',
    );
  }
  if (!REPO.test(repo) || repo.endsWith('.git')) {
    validation.addError(
      "Enter the repository name: letters, digits, '.', '_' or '-', without '.git'.",
    );
  }
};

export const GithubRepoPickerField = createFormField({
  name: 'GithubRepoPicker',
  component: GithubRepoPicker as any,
  validation: githubRepoValidation as any,
});
