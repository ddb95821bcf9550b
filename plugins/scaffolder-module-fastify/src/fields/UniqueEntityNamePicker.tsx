import {
  KubernetesValidatorFunctions,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import TextField from '@material-ui/core/TextField';

/** `ui:options` of UniqueEntityNamePicker. */
export interface UniqueEntityNamePickerUiOptions {
  /** Kind of the entity the template creates. Default: Component. */
  kind?: string;
  /** Namespace of that entity. Default: default. */
  namespace?: string;
}

export function UniqueEntityNamePicker(
  props: FieldExtensionComponentProps<string, UniqueEntityNamePickerUiOptions>,
) {
  const {
    onChange,
    required,
    schema: { title = 'Name', description },
    rawErrors,
    formData,
    uiSchema,
    idSchema,
  } = props;
  return (
    <TextField
      id={idSchema?.$id}
      label={title}
      helperText={description}
      required={required}
      value={formData ?? ''}
      onChange={event => onChange(event.target.value)}
      margin="normal"
      error={(rawErrors?.length ?? 0) > 0}
      inputProps={{ autoFocus: uiSchema['ui:autofocus'] }}
      FormHelperTextProps={{ margin: 'dense', style: { marginLeft: 0 } }}
    />
  );
}

/**
 * Refuses, in plain words, a name the catalog cannot take or already has. The
 * template's own `pattern` (with its `errorMessage`) is checked by the form;
 * a name that fails it gets that one message, not a second one from here.
 */
export const uniqueEntityNameValidation: CustomFieldValidator<
  string,
  UniqueEntityNamePickerUiOptions
> = async (value, validation, context) => {
  if (!value) return;
  const pattern = context.schema.pattern;
  if (typeof pattern === 'string' && !new RegExp(pattern).test(value)) return;
  if (!KubernetesValidatorFunctions.isValidObjectName(value)) {
    validation.addError(
      'Use at most 63 letters, digits, dashes, dots or underscores, starting and ending with a letter or digit.',
    );
    return;
  }
  const options = context.uiSchema?.['ui:options'] ?? {};
  const kind = options.kind ?? 'Component';
  const namespace = options.namespace ?? 'default';
  const catalogApi = context.apiHolder.get(catalogApiRef);
  // by-refs answers 200 with null for a free name: no 404 in the browser's console.
  const [existing] =
    (
      await catalogApi?.getEntitiesByRefs({
        entityRefs: [stringifyEntityRef({ kind, namespace, name: value })],
        fields: ['kind', 'metadata.name', 'spec.owner'],
      })
    )?.items ?? [];
  if (existing) {
    const owner = existing.spec?.owner
      ? `, owned by ${existing.spec.owner}`
      : '';
    validation.addError(
      `The catalog already has a ${kind.toLowerCase()} named ${value}${owner}. Choose another name.`,
    );
  }
};

export const UniqueEntityNamePickerField = createFormField({
  name: 'UniqueEntityNamePicker',
  component: UniqueEntityNamePicker as any,
  validation: uniqueEntityNameValidation as any,
});
