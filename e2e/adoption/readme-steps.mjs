// The install steps our READMEs give, read from the READMEs themselves: every fenced code block
// that follows a `<!-- adoption-test: <kind> -->` comment. The stock-portal test applies them
// to a new Backstage app, so a README cannot say something that does not work.
//
// Kinds:
//   install            shell; its `yarn ...` lines are run in the app's root (the npm lines
//                      beside them are the same step for npm workspaces and are not run)
//   backend-add        TypeScript lines for packages/backend/src/index.ts, before backend.start()
//   app-config         YAML merged into the app's app-config.yaml
//   register-template  YAML: the catalog locations that register the templates
import { readFileSync } from 'node:fs';

const MARKER =
  /<!--\s*adoption-test:\s*([a-z-]+)\s*-->\s*\n+```[a-z]*\n([\s\S]*?)\n```/g;

/** The marked blocks of one README, in order: `{ kind, code, file }`. */
export function markedBlocks(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(MARKER)].map(m => ({
    kind: m[1],
    code: m[2],
    file,
  }));
}

/** The `yarn` command lines of an install block, as argument lists (comments dropped). */
export function yarnCommands(code) {
  return code
    .split('\n')
    .map(line => line.replace(/#.*$/, '').trim())
    .filter(line => line.startsWith('yarn '))
    .map(line => line.split(/\s+/).slice(1));
}

/** Inserts `code` before the `backend.start()` line of a backend's index.ts. */
export function addToBackend(source, code) {
  const at = source.lastIndexOf('backend.start();');
  if (at < 0) throw new Error('no backend.start(); line in the backend');
  return `${source.slice(0, at)}${code}\n${source.slice(at)}`;
}

const isObject = v => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `extra` merged into `base`: objects key by key, arrays appended, scalars replaced. */
export function mergeConfig(base, extra) {
  if (Array.isArray(base) && Array.isArray(extra)) return [...base, ...extra];
  if (!isObject(base) || !isObject(extra)) return extra;
  const out = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    out[key] = key in base ? mergeConfig(base[key], value) : value;
  }
  return out;
}
