import { InputError, NotFoundError } from '@backstage/errors';
import { createTwoFilesPatch } from 'diff';
import git from 'isomorphic-git';
import fs from 'node:fs';
import { validateBranchName } from './localRepository';

/** Files larger than this get no patch (still listed). */
const MAX_PATCH_BYTES = 256 * 1024;

/**
 * One file that differs between two branches.
 *
 * @public
 */
export interface ComparedFile {
  path: string;
  status: 'added' | 'deleted' | 'modified';
  /** Unified diff; absent for binary or large files. */
  patch?: string;
  /** Whether the head side still holds merge conflict markers. */
  conflicted: boolean;
}

/** @public */
export interface BranchComparisonResult {
  headCommit: { oid: string; message: string };
  files: ComparedFile[];
}

const isBinary = (content: Uint8Array) =>
  Buffer.from(content).subarray(0, 8000).includes(0);

const CONFLICT_MARKERS = /^<<<<<<< .*\n(?:.*\n)*?=======\n(?:.*\n)*?>>>>>>> /m;

/**
 * What `head` changes against `base` in a local bare repository, as a code
 * host's compare view shows it: from their merge base to `head`, file by
 * file, with unified diffs.
 *
 * @public
 */
export async function compareLocalBranches(
  gitdir: string,
  base: string,
  head: string,
): Promise<BranchComparisonResult> {
  validateBranchName(base);
  validateBranchName(head);
  const resolve = async (branch: string) => {
    try {
      return await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` });
    } catch {
      throw new NotFoundError(`No branch '${branch}' in this repository`);
    }
  };
  const [baseOid, headOid] = await Promise.all([resolve(base), resolve(head)]);
  const bases = await git.findMergeBase({
    fs,
    gitdir,
    oids: [baseOid, headOid],
  });
  if (!bases.length) {
    throw new InputError(`'${base}' and '${head}' share no history`);
  }
  const from = bases[0] as string;
  const files: ComparedFile[] = [];
  await git.walk({
    fs,
    gitdir,
    trees: [git.TREE({ ref: from }), git.TREE({ ref: headOid })],
    map: async (filepath, [a, b]) => {
      if (filepath === '.') return true;
      const [aOid, bOid] = [await a?.oid(), await b?.oid()];
      // null: an unchanged folder is not walked into
      if (aOid === bOid) return null;
      const [aType, bType] = [await a?.type(), await b?.type()];
      if (aType === 'tree' || bType === 'tree') return true;
      const before = a ? ((await a.content()) as Uint8Array) : undefined;
      const after = b ? ((await b.content()) as Uint8Array) : undefined;
      let status: ComparedFile['status'] = 'modified';
      if (!a) status = 'added';
      else if (!b) status = 'deleted';
      const text = (content?: Uint8Array) =>
        content ? Buffer.from(content).toString('utf8') : '';
      const tooBig =
        (before?.length ?? 0) + (after?.length ?? 0) > MAX_PATCH_BYTES;
      const binary = (before && isBinary(before)) || (after && isBinary(after));
      files.push({
        path: filepath,
        status,
        conflicted: Boolean(
          after && !binary && CONFLICT_MARKERS.test(text(after)),
        ),
        ...(tooBig || binary
          ? {}
          : {
              patch: createTwoFilesPatch(
                a ? `a/${filepath}` : '/dev/null',
                b ? `b/${filepath}` : '/dev/null',
                text(before),
                text(after),
                undefined,
                undefined,
                { context: 3 },
              ),
            }),
      });
      return false;
    },
  });
  const { commit } = await git.readCommit({ fs, gitdir, oid: headOid });
  return {
    headCommit: { oid: headOid, message: commit.message },
    files: files.sort((x, y) => x.path.localeCompare(y.path, 'en')),
  };
}
