import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import {
  TemplateEntityStepV1beta3,
  TemplateEntityV1beta3,
} from '@backstage/plugin-scaffolder-common';
import { ScaffolderService } from '@backstage/plugin-scaffolder-node';
import { TemplateFile } from '@fastify-backstage/plugin-template-updates-node';

/** A rendered file, as the scaffolder's dry run returns it. */
export interface RenderedFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

/**
 * The steps that render a repository: everything before the first publish
 * step (`publish:*`, `fastify:publish`, `fastify:publish:*`). What comes after publishes and
 * registers, which an update must not repeat.
 */
export function renderSteps(
  template: TemplateEntityV1beta3,
): TemplateEntityStepV1beta3[] {
  const steps = template.spec.steps ?? [];
  const firstPublish = steps.findIndex(step =>
    /^(publish:|[a-z0-9-]+:publish(:|$))/.test(step.action),
  );
  if (firstPublish <= 0) {
    throw new InputError(
      `Template ${template.metadata.name} has no publish step after its render steps; an update renders the steps before the first publish step`,
    );
  }
  return steps.slice(0, firstPublish);
}

/**
 * The recorded answers plus the defaults of parameters the template has
 * added since (as copier does for new questions).
 */
export function withParameterDefaults(
  template: TemplateEntityV1beta3,
  parameters: Record<string, unknown>,
): JsonObject {
  const values: JsonObject = { ...(parameters as JsonObject) };
  const pages = [template.spec.parameters ?? []].flat() as Array<{
    properties?: Record<string, { default?: unknown }>;
  }>;
  for (const page of pages) {
    for (const [name, schema] of Object.entries(page.properties ?? {})) {
      if (!(name in values) && schema && schema.default !== undefined) {
        values[name] = schema.default as JsonObject[string];
      }
    }
  }
  return values;
}

/**
 * Renders a template's render steps with the given answers through the
 * scaffolder itself (its dry-run API, as the template editor does), so the
 * result is exactly what a new task would produce with the template as it is
 * now: the same actions, values mapping and feature handling.
 */
export async function renderTemplate(options: {
  scaffolder: ScaffolderService;
  credentials: BackstageCredentials;
  template: TemplateEntityV1beta3;
  templateFiles: TemplateFile[];
  parameters: Record<string, unknown>;
}): Promise<RenderedFile[]> {
  const { template } = options;
  const trimmed: TemplateEntityV1beta3 = {
    ...template,
    spec: { ...template.spec, steps: renderSteps(template), output: {} },
  };
  let response;
  try {
    response = await options.scaffolder.dryRun(
      {
        template: trimmed,
        values: withParameterDefaults(template, options.parameters),
        directoryContents: options.templateFiles.map(file => ({
          path: file.path,
          base64Content: file.content.toString('base64'),
        })),
      },
      { credentials: options.credentials },
    );
  } catch (e) {
    throw new InputError(
      `Rendering ${template.metadata.name} with the recorded answers failed: ${
        (e as Error).message
      }`,
    );
  }
  return response.directoryContents.map(file => ({
    path: file.path,
    content: Buffer.from(file.base64Content, 'base64'),
    executable: Boolean(file.executable),
  }));
}
