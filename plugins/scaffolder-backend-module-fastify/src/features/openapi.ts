import type { OpenApiContribution } from './manifest';

/** The OpenAPI document a skeleton carries (what its catalog-info.yaml's API entity reads). */
export const OPENAPI_DOCUMENT = 'openapi.json';

const METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
];

type Operation = {
  responses?: Record<string, unknown>;
  security?: Array<Record<string, unknown>>;
};

/**
 * Removes from an OpenAPI document (JSON) what features not chosen contribute
 * to it, as their `features.json` entries declare under `openapi`: whole paths,
 * response codes of every operation, and security schemes (with the operations'
 * requirements that name them). The document is the one the service generates
 * with every feature on; the service's own test checks that what is left equals
 * what it serves. Returns the new text and what was declared but not found.
 */
export function pruneOpenApiDocument(
  text: string,
  removed: OpenApiContribution[],
): { text: string; missing: string[] } {
  const doc = JSON.parse(text) as {
    paths?: Record<string, Record<string, Operation>>;
    components?: { securitySchemes?: Record<string, unknown> };
    security?: Array<Record<string, unknown>>;
  };
  const missing: string[] = [];
  const paths = removed.flatMap(r => r.paths);
  const responses = new Set(removed.flatMap(r => r.responses));
  const schemes = new Set(removed.flatMap(r => r.securitySchemes));

  for (const p of paths) {
    if (doc.paths && p in doc.paths) delete doc.paths[p];
    else missing.push(`path ${p}`);
  }
  const withoutSchemes = (requirements: Array<Record<string, unknown>>) =>
    requirements.filter(r => !Object.keys(r).some(name => schemes.has(name)));
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      for (const code of responses) delete operation.responses?.[code];
      if (operation.security) {
        operation.security = withoutSchemes(operation.security);
        if (operation.security.length === 0) delete operation.security;
      }
    }
  }
  for (const name of schemes) {
    const declared = doc.components?.securitySchemes;
    if (declared && name in declared) delete declared[name];
    else missing.push(`security scheme ${name}`);
  }
  if (
    doc.components?.securitySchemes &&
    !Object.keys(doc.components.securitySchemes).length
  ) {
    delete doc.components.securitySchemes;
  }
  if (doc.security) {
    doc.security = withoutSchemes(doc.security);
    if (doc.security.length === 0) delete doc.security;
  }
  // As the service's `npm run openapi` writes it.
  return { text: `${JSON.stringify(doc, null, 2)}\n`, missing };
}
