import { InputError } from '@backstage/errors';

const MARKER = /#(region|endregion) feature:([A-Za-z0-9_-]*)/;

/** Fast pre-check: does this text contain any feature marker at all? */
export function hasFeatureMarkers(text: string): boolean {
  return text.includes('region feature:');
}

/**
 * Applies `#region feature:<name>` / `#endregion feature:<name>` markers to a
 * text: keeps the lines of enabled features, drops the lines of the others,
 * and always drops the marker lines themselves. Markers may appear in any
 * comment syntax (`// #region feature:x`, `# #region feature:x`,
 * `<!-- #region feature:x -->`). A region may sit fully inside another one; a
 * region's end must close the innermost open region.
 *
 * Throws an InputError (naming the file and line) on unbalanced or crossed
 * markers and on markers for features the manifest does not know.
 */
export function applyFeatureRegions(
  text: string,
  enabled: ReadonlySet<string>,
  known: ReadonlySet<string>,
  file: string,
): string {
  if (!hasFeatureMarkers(text)) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  const stack: Array<{ name: string; line: number }> = [];
  // number of open regions whose feature is disabled
  let disabledDepth = 0;
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const match = MARKER.exec(line);
    if (!match) {
      if (disabledDepth === 0) out.push(line);
      return;
    }
    const [, kind, name] = match;
    if (!known.has(name)) {
      throw new InputError(
        `${file}:${lineNo}: marker for unknown feature '${name}' (known: ${[
          ...known,
        ].join(', ')})`,
      );
    }
    if (kind === 'region') {
      stack.push({ name, line: lineNo });
      if (!enabled.has(name)) disabledDepth++;
      return;
    }
    const open = stack.pop();
    if (!open) {
      throw new InputError(
        `${file}:${lineNo}: '#endregion feature:${name}' has no matching '#region feature:${name}'`,
      );
    }
    if (open.name !== name) {
      throw new InputError(
        `${file}:${lineNo}: '#endregion feature:${name}' closes '#region feature:${open.name}' opened at line ${open.line}; regions must nest`,
      );
    }
    if (!enabled.has(name)) disabledDepth--;
  });
  if (stack.length) {
    const open = stack[stack.length - 1];
    throw new InputError(
      `${file}:${open.line}: '#region feature:${open.name}' is never closed (expected '#endregion feature:${open.name}')`,
    );
  }
  return out.join('\n');
}
