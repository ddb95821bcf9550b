import { diff3Merge } from 'node-diff3';
import { FlatTree, readBlob, TreeFile, writeBlob } from './gitTree';

/** Lockfiles are never merged: the service's own is kept and regenerated afterwards. */
export const LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
]);

export type ConflictKind =
  /** Both changed the same lines; the file holds conflict markers. */
  | 'content'
  /** Both added the file with different contents; the file holds conflict markers. */
  | 'both-added'
  /** The template deleted a file the service changed; the service's version is kept. */
  | 'deleted-by-template'
  /** The service deleted a file the template changed; the template's version is restored. */
  | 'deleted-by-service'
  /** Both changed a binary file (or a link); the service's version is kept. */
  | 'binary';

export interface MergeConflict {
  path: string;
  kind: ConflictKind;
}

export interface MergeLabels {
  /** Names the service's side in conflict markers, e.g. `main (your changes)`. */
  ours: string;
  /** Names the template's side, e.g. `template 1.1.0`. */
  theirs: string;
}

export interface TreeMergeResult {
  files: FlatTree;
  conflicts: MergeConflict[];
}

function same(a?: TreeFile, b?: TreeFile): boolean {
  if (!a || !b) return a === b;
  return a.oid === b.oid && a.mode === b.mode;
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/** A line-based diff3 merge; conflicting hunks get git-style markers. */
export function mergeText(
  ours: string,
  base: string,
  theirs: string,
  labels: MergeLabels,
): { text: string; conflict: boolean } {
  const split = (text: string) => text.split('\n');
  const regions = diff3Merge(split(ours), split(base), split(theirs), {
    excludeFalseConflicts: true,
  }) as Array<
    { ok: string[] } | { conflict: { a: string[]; o: string[]; b: string[] } }
  >;
  const out: string[] = [];
  let conflict = false;
  for (const region of regions) {
    if ('ok' in region) {
      out.push(...region.ok);
    } else {
      conflict = true;
      // A hunk at the very end may carry the final newline's empty element.
      const trim = (lines: string[]) =>
        lines.length && lines[lines.length - 1] === ''
          ? lines.slice(0, -1)
          : lines;
      const a = trim(region.conflict.a);
      const b = trim(region.conflict.b);
      const atEnd =
        a.length !== region.conflict.a.length ||
        b.length !== region.conflict.b.length;
      out.push(
        `<<<<<<< ${labels.ours}`,
        ...a,
        '=======',
        ...b,
        `>>>>>>> ${labels.theirs}`,
        ...(atEnd ? [''] : []),
      );
    }
  }
  return { text: out.join('\n'), conflict };
}

/**
 * A three-way merge of whole trees, file by file: what changed only on one
 * side is taken from that side; files both sides changed are merged line by
 * line (diff3). Nothing is dropped: a conflicting text file holds both sides
 * between markers, and where one side deleted what the other changed, the
 * changed file stays (and is reported). Lockfiles are left as the service
 * has them. Merged blobs are written into `gitdir`.
 */
export async function mergeTrees(options: {
  gitdir: string;
  base: FlatTree;
  ours: FlatTree;
  theirs: FlatTree;
  labels: MergeLabels;
}): Promise<TreeMergeResult> {
  const { gitdir, base, ours, theirs, labels } = options;
  const files: FlatTree = new Map();
  const conflicts: MergeConflict[] = [];
  const paths = [
    ...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()]),
  ].sort();
  for (const rel of paths) {
    const b = base.get(rel);
    const o = ours.get(rel);
    const t = theirs.get(rel);
    const name = rel.split('/').pop()!;
    let result: TreeFile | undefined;
    if (LOCKFILES.has(name)) {
      result = o;
    } else if (same(o, t) || same(t, b)) {
      result = o;
    } else if (same(o, b)) {
      result = t;
    } else if (o && !t) {
      result = o;
      conflicts.push({ path: rel, kind: 'deleted-by-template' });
    } else if (!o && t) {
      result = t;
      conflicts.push({ path: rel, kind: 'deleted-by-service' });
    } else if (o && t) {
      // The mode: whichever side changed it (ours when both did).
      const mode = o.mode !== (b?.mode ?? o.mode) ? o.mode : t.mode;
      const [oc, bc, tc] = await Promise.all([
        readBlob(gitdir, o.oid),
        b ? readBlob(gitdir, b.oid) : Promise.resolve(Buffer.alloc(0)),
        readBlob(gitdir, t.oid),
      ]);
      const symlink = [o.mode, t.mode, b?.mode].includes('120000');
      if (symlink || isBinary(oc) || isBinary(tc) || isBinary(bc)) {
        result = o;
        conflicts.push({ path: rel, kind: 'binary' });
      } else {
        const merged = mergeText(
          oc.toString('utf8'),
          bc.toString('utf8'),
          tc.toString('utf8'),
          labels,
        );
        result = { oid: await writeBlob(gitdir, merged.text), mode };
        if (merged.conflict) {
          conflicts.push({ path: rel, kind: b ? 'content' : 'both-added' });
        }
      }
    }
    if (result) files.set(rel, result);
  }
  return { files, conflicts };
}
