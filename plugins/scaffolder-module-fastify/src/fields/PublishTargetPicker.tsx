import { useApiHolder } from '@backstage/core-plugin-api';
import {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import useAsync from 'react-use/esm/useAsync';
import { FastifyScaffolderClient } from '../api';

/**
 * Radio buttons for `fastify:publish`'s target (the schema's `enum`, labelled
 * by `ui:enumNames`), each saying whether this portal can publish there.
 */
export function PublishTargetPicker(
  props: FieldExtensionComponentProps<string>,
) {
  const {
    onChange,
    required,
    schema,
    uiSchema,
    formData,
    idSchema,
    rawErrors,
  } = props;
  const apis = useApiHolder();
  const targets = useAsync(
    () => new FastifyScaffolderClient(apis).getPublishTargets(),
    [apis],
  );
  const values = (schema.enum ?? []) as string[];
  const labels = (uiSchema['ui:enumNames'] ?? values) as string[];
  return (
    <FormControl
      margin="normal"
      required={required}
      error={(rawErrors?.length ?? 0) > 0}
      component="fieldset"
    >
      <FormLabel component="legend">{schema.title}</FormLabel>
      <RadioGroup
        name={idSchema?.$id}
        value={formData ?? ''}
        onChange={event => onChange(event.target.value)}
      >
        {values.map((value, i) => {
          const status = targets.value?.find(t => t.id === value);
          const label =
            status && !status.available
              ? `${labels[i] ?? value} (not set up in this portal)`
              : labels[i] ?? value;
          return (
            <FormControlLabel
              key={value}
              value={value}
              control={<Radio id={`${idSchema?.$id}-${i}`} color="primary" />}
              label={label}
            />
          );
        })}
      </RadioGroup>
      {schema.description && (
        <FormHelperText>{schema.description}</FormHelperText>
      )}
    </FormControl>
  );
}

/**
 * Refuses a target this portal cannot publish to (GitHub without a token)
 * and a local repository name that is taken, before the task runs.
 */
export const publishTargetValidation: CustomFieldValidator<string> = async (
  value,
  validation,
  context,
) => {
  const client = new FastifyScaffolderClient(context.apiHolder);
  const target = (await client.getPublishTargets()).find(t => t.id === value);
  if (target && !target.available) {
    validation.addError(
      target.reason ?? `Publishing to ${value} is not set up.`,
    );
    return;
  }
  const name = context.formData.name;
  if (value === 'local' && typeof name === 'string' && name) {
    if ((await client.listLocalRepositoryNames()).includes(name)) {
      validation.addError(
        `A local repository named ${name} already exists. Go back to the first step and choose another name.`,
      );
    }
  }
};

export const PublishTargetPickerField = createFormField({
  name: 'PublishTargetPicker',
  component: PublishTargetPicker as any,
  validation: publishTargetValidation as any,
});
