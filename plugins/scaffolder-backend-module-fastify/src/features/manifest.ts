import { InputError } from '@backstage/errors';

/** One feature of a skeleton, as declared in its `features.json`. */
export interface FeatureDefinition {
  description: string;
  /** Globs (relative to the project root) of files that exist only for this feature. */
  files: string[];
  dependencies: string[];
  devDependencies: string[];
  scripts: string[];
  /** Features that must also be chosen when this one is. */
  requires: string[];
  /** What the feature adds to the project's OpenAPI document (openapi.json). */
  openapi: OpenApiContribution;
}

/** A feature's part of the OpenAPI document, removed with the feature. */
export interface OpenApiContribution {
  /** Paths (`/v1/items/{id}`) that exist only with the feature. */
  paths: string[];
  /** Response codes (`'401'`) the feature adds to every operation. */
  responses: string[];
  /** Security schemes (components.securitySchemes keys) the feature adds, with the requirements naming them. */
  securitySchemes: string[];
}

const OPENAPI_KEYS = ['paths', 'responses', 'securitySchemes'] as const;

/** The parsed `features.json`: feature name to definition. */
export type FeatureManifest = Record<string, FeatureDefinition>;

/** Feature names double as marker names (`#region feature:<name>`). */
export const FEATURE_NAME = /^[a-z][a-z0-9-]*$/;

const LIST_KEYS = [
  'files',
  'dependencies',
  'devDependencies',
  'scripts',
  'requires',
] as const;

/** A manifest list: absent means empty; anything but non-empty strings is an InputError naming `where`. */
function stringList(value: unknown = [], where: string): string[] {
  if (
    !Array.isArray(value) ||
    value.some(v => typeof v !== 'string' || v.length === 0)
  ) {
    throw new InputError(`${where} must be a list of non-empty strings`);
  }
  return value as string[];
}

/**
 * Validates the JSON of a `features.json` file and fills in defaults (empty
 * lists). Throws an InputError naming the manifest and the offending key.
 */
export function parseFeatureManifest(
  json: unknown,
  source = 'features.json',
): FeatureManifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError(
      `${source} must be a JSON object mapping feature names to definitions`,
    );
  }
  const manifest: FeatureManifest = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name.startsWith('$')) continue; // allow "$schema" / "$comment"
    if (!FEATURE_NAME.test(name)) {
      throw new InputError(
        `${source}: invalid feature name '${name}' (use lower-case letters, digits and dashes)`,
      );
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new InputError(`${source}: feature '${name}' must be an object`);
    }
    const def = raw as Record<string, unknown>;
    const lists = {} as Record<(typeof LIST_KEYS)[number], string[]>;
    for (const key of LIST_KEYS) {
      lists[key] = stringList(def[key], `${source}: '${name}.${key}'`);
    }
    for (const glob of lists.files) {
      if (glob.startsWith('/') || glob.split('/').includes('..')) {
        throw new InputError(
          `${source}: '${name}.files' entry '${glob}' must be relative to the project and stay inside it`,
        );
      }
    }
    const openapiRaw = def.openapi ?? {};
    if (
      typeof openapiRaw !== 'object' ||
      openapiRaw === null ||
      Array.isArray(openapiRaw)
    ) {
      throw new InputError(`${source}: '${name}.openapi' must be an object`);
    }
    const openapi = {} as OpenApiContribution;
    for (const key of OPENAPI_KEYS) {
      openapi[key] = stringList(
        (openapiRaw as Record<string, unknown>)[key],
        `${source}: '${name}.openapi.${key}'`,
      );
    }
    manifest[name] = {
      description: typeof def.description === 'string' ? def.description : '',
      ...lists,
      openapi,
    };
  }
  for (const [name, def] of Object.entries(manifest)) {
    for (const required of def.requires) {
      if (!manifest[required]) {
        throw new InputError(
          `${source}: feature '${name}' requires unknown feature '${required}'`,
        );
      }
    }
  }
  if (Object.keys(manifest).length === 0) {
    throw new InputError(`${source} declares no features`);
  }
  return manifest;
}

/** A feature choice as the template passes it: a boolean, or a variant name where 'none' means off. */
export type FeatureChoice = boolean | string;

const OFF_VALUES = new Set(['none', 'false', 'off', 'no', '']);

/** True when a choice means "keep the feature". */
export function isChosen(choice: FeatureChoice): boolean {
  return typeof choice === 'boolean'
    ? choice
    : !OFF_VALUES.has(choice.trim().toLowerCase());
}

/**
 * Resolves the template's choices against the manifest: every manifest feature
 * must be decided, no unknown names, and every chosen feature's `requires`
 * must be chosen too. Returns the set of enabled feature names.
 */
export function resolveFeatureChoices(
  manifest: FeatureManifest,
  choices: Record<string, FeatureChoice>,
): Set<string> {
  const known = Object.keys(manifest);
  const unknown = Object.keys(choices).filter(n => !manifest[n]);
  if (unknown.length) {
    throw new InputError(
      `Unknown feature${unknown.length > 1 ? 's' : ''} ${unknown
        .map(n => `'${n}'`)
        .join(', ')}; this skeleton has: ${known.join(', ')}`,
    );
  }
  const missing = known.filter(n => !(n in choices));
  if (missing.length) {
    throw new InputError(
      `No choice given for feature${missing.length > 1 ? 's' : ''} ${missing
        .map(n => `'${n}'`)
        .join(', ')}; pass true/false or a variant name ('none' turns it off)`,
    );
  }
  const enabled = new Set(known.filter(n => isChosen(choices[n])));
  for (const name of enabled) {
    for (const required of manifest[name].requires) {
      if (!enabled.has(required)) {
        throw new InputError(
          `Feature '${name}' requires '${required}', which is not chosen: choose '${required}' too or turn '${name}' off`,
        );
      }
    }
  }
  return enabled;
}
