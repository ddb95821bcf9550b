import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import {
  TEMPLATE_BRANCH,
  TEMPLATE_RECORD_PATH,
  TemplateRecord,
} from '@fastify-backstage/plugin-template-updates-common';
import git from 'isomorphic-git';
import fs from 'node:fs';
import path from 'node:path';
import {
  FlatTree,
  readBlob,
  readFlatTree,
  sameTree,
  writeBlob,
  writeDirectoryBlobs,
  writeFlatTree,
} from './gitTree';
import { regenerateNpmLockfile } from './lockfile';
import { RenderedFile } from './render';
import { ServiceRepository } from './repositories';
import { MergeConflict, mergeTrees } from './threeWayMerge';

export type LockfileOutcome =
  | 'regenerated'
  | 'unchanged'
  | 'none'
  | 'skipped-conflict'
  | 'failed'
  | 'unsupported';

export interface UpdateResult {
  status: 'clean' | 'conflicts' | 'up-to-date';
  fromVersion: string;
  toVersion: string;
  /** The branch with the update (absent when up to date). */
  branch?: string;
  commit?: string;
  conflicts: MergeConflict[];
  lockfile: LockfileOutcome;
  /** Why the lockfile was not regenerated, when it was not. */
  lockfileProblem?: string;
}

export interface UpdateRepositoryOptions {
  repository: ServiceRepository;
  /** The template's current version: what the update renders. */
  toVersion: string;
  /** Renders the template as it is now with the recorded answers. */
  render(record: TemplateRecord): Promise<RenderedFile[]>;
  branchName?: string;
  author: { name: string; email: string };
  scratchDir: string;
  logger: LoggerService;
  signal?: AbortSignal;
}

/** Reads and checks a repository's template record on one commit. */
export async function readTemplateRecord(
  gitdir: string,
  commit: string,
  where: string,
): Promise<TemplateRecord> {
  let text: string;
  try {
    const { blob } = await git.readBlob({
      fs,
      gitdir,
      oid: commit,
      filepath: TEMPLATE_RECORD_PATH,
    });
    text = Buffer.from(blob).toString('utf8');
  } catch {
    throw new InputError(
      `${where} has no ${TEMPLATE_RECORD_PATH}: it was not made by a versioned template, so there is nothing to update from`,
    );
  }
  let record: Partial<TemplateRecord>;
  try {
    record = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      `${TEMPLATE_RECORD_PATH} in ${where} is not valid JSON: ${
        (e as Error).message
      }`,
    );
  }
  if (
    typeof record?.templateRef !== 'string' ||
    typeof record.version !== 'string' ||
    !record.parameters ||
    typeof record.parameters !== 'object'
  ) {
    throw new InputError(
      `${TEMPLATE_RECORD_PATH} in ${where} needs templateRef, version and parameters`,
    );
  }
  return record as TemplateRecord;
}

/** The newest commit of the template branch whose record has `version`: the pristine render the service started from. */
async function findPristineRender(
  gitdir: string,
  templateTip: string,
  version: string,
): Promise<string | undefined> {
  const commits = await git.log({ fs, gitdir, ref: templateTip });
  for (const { oid } of commits) {
    try {
      const record = await readTemplateRecord(gitdir, oid, 'template branch');
      if (record.version === version) return oid;
    } catch {
      // a commit without a readable record cannot be the base
    }
  }
  return undefined;
}

async function writeRenderedFiles(dir: string, files: RenderedFile[]) {
  for (const file of files) {
    const target = path.join(dir, file.path);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.writeFile(target, file.content, {
      mode: file.executable ? 0o755 : 0o644,
    });
  }
}

function conflictLines(conflicts: MergeConflict[]): string[] {
  const why: Record<MergeConflict['kind'], string> = {
    content: 'both changed the same lines (conflict markers in the file)',
    'both-added': 'both added it (conflict markers in the file)',
    'deleted-by-template':
      'the template deleted it, the service changed it (kept)',
    'deleted-by-service':
      "the service deleted it, the template changed it (the template's version is back)",
    binary: "both changed it and it is binary (the service's version is kept)",
  };
  return conflicts.map(c => `- \`${c.path}\`: ${why[c.kind]}`);
}

/**
 * Updates a created service to the template's current version with a
 * three-way merge whose base is the pristine render of the version the service
 * was made from (kept on its `template` branch):
 *
 * 1. render the template as it is now with the recorded answers, and commit
 *    that pristine render on the `template` branch;
 * 2. merge it with the default branch file by file (see threeWayMerge.ts),
 *    regenerate the npm lockfile if package.json changed;
 * 3. commit the result with both parents on a new branch and publish the two
 *    branches. The default branch is never touched.
 */
export async function updateRepository(
  options: UpdateRepositoryOptions,
): Promise<UpdateResult> {
  const { repository, logger } = options;
  const { gitdir } = repository;
  const main = await repository.resolveBranch(repository.defaultBranch);
  if (!main) {
    throw new InputError(
      `${repository.display} has no branch ${repository.defaultBranch}`,
    );
  }
  const templateTip = await repository.resolveBranch(TEMPLATE_BRANCH);
  if (!templateTip) {
    throw new InputError(
      `${repository.display} has no '${TEMPLATE_BRANCH}' branch with the pristine render it was made from; services created before template updates existed cannot be merged three-way`,
    );
  }
  const record = await readTemplateRecord(
    gitdir,
    main,
    `${repository.display} (${repository.defaultBranch})`,
  );
  const fromVersion = record.version;
  const toVersion = options.toVersion;
  const result = (partial: Partial<UpdateResult>): UpdateResult => ({
    status: 'up-to-date',
    fromVersion,
    toVersion,
    conflicts: [],
    lockfile: 'unchanged',
    ...partial,
  });
  if (fromVersion === toVersion) {
    logger.info(`${repository.display} is at ${toVersion} already`);
    return result({});
  }
  const baseCommit = await findPristineRender(gitdir, templateTip, fromVersion);
  if (!baseCommit) {
    throw new InputError(
      `The '${TEMPLATE_BRANCH}' branch of ${repository.display} has no pristine render of version ${fromVersion}, the version ${repository.defaultBranch} records; cannot find the merge base`,
    );
  }
  const branch = options.branchName ?? `template-update-${toVersion}`;
  if (await repository.resolveBranch(branch)) {
    throw new ConflictError(
      `${repository.display} already has a branch ${branch}; merge or delete it first (it may hold conflict resolutions)`,
    );
  }

  // 1. the pristine render of the new version on the template branch
  logger.info(
    `Rendering ${record.templateRef} ${toVersion} with the answers recorded at ${fromVersion}`,
  );
  const rendered = await options.render(record);
  const renderDir = path.join(options.scratchDir, 'render');
  await writeRenderedFiles(renderDir, rendered);
  const renderedRecord = rendered.find(f => f.path === TEMPLATE_RECORD_PATH);
  const recordedVersion = renderedRecord
    ? (JSON.parse(renderedRecord.content.toString('utf8')) as TemplateRecord)
        .version
    : undefined;
  if (recordedVersion !== toVersion) {
    throw new InputError(
      `The template rendered ${TEMPLATE_RECORD_PATH} with version ${
        recordedVersion ?? '(none)'
      }, expected ${toVersion}: does it still record its version before its first publish step?`,
    );
  }
  const theirs = await writeDirectoryBlobs(gitdir, renderDir);
  const templateTree = await readFlatTree(gitdir, templateTip);
  const now = Math.floor(Date.now() / 1000);
  const signature = { ...options.author, timestamp: now, timezoneOffset: 0 };
  let newTemplate = templateTip;
  if (!sameTree(theirs, templateTree)) {
    newTemplate = await git.commit({
      fs,
      gitdir,
      message: `${record.templateRef} ${toVersion}: pristine render\n\nRendered with the answers in ${TEMPLATE_RECORD_PATH}; the merge base of the next update.`,
      tree: await writeFlatTree(gitdir, theirs),
      parent: [templateTip],
      author: signature,
      committer: signature,
      noUpdateBranch: true,
    });
  }

  // 2. the three-way merge
  const ours = await readFlatTree(gitdir, main);
  const base = await readFlatTree(gitdir, baseCommit);
  const merged = await mergeTrees({
    gitdir,
    base,
    ours,
    theirs,
    labels: {
      ours: `${repository.defaultBranch} (your service)`,
      theirs: `template ${toVersion}`,
    },
  });
  const lockfile = await refreshLockfile({
    gitdir,
    ours,
    merged: merged.files,
    conflicted: new Set(merged.conflicts.map(c => c.path)),
    scratchDir: path.join(options.scratchDir, 'lockfile'),
    signal: options.signal,
  });
  if (lockfile.problem) logger.warn(lockfile.problem);

  // 3. the merge commit on a new branch
  const status = merged.conflicts.length ? 'conflicts' : 'clean';
  const message = [
    `Update to ${record.templateRef} ${toVersion} (from ${fromVersion})`,
    '',
    status === 'clean'
      ? 'Merged cleanly: your changes are kept and the template changes applied.'
      : `Merged with ${merged.conflicts.length} conflicting file(s) to resolve before merging:`,
    ...conflictLines(merged.conflicts),
    ...(lockfile.outcome === 'regenerated'
      ? ['', 'package-lock.json regenerated for the merged package.json.']
      : []),
  ].join('\n');
  const commit = await git.commit({
    fs,
    gitdir,
    message,
    tree: await writeFlatTree(gitdir, merged.files),
    parent: [main, newTemplate],
    author: signature,
    committer: signature,
    noUpdateBranch: true,
  });
  await repository.publish([
    ...(newTemplate !== templateTip
      ? [{ branch: TEMPLATE_BRANCH, oid: newTemplate, previous: templateTip }]
      : []),
    { branch, oid: commit },
  ]);
  logger.info(
    `${repository.display}: ${branch} at ${commit.slice(0, 8)}, ${status}${
      merged.conflicts.length
        ? ` (${merged.conflicts.map(c => c.path).join(', ')})`
        : ''
    }`,
  );
  return result({
    status,
    branch,
    commit,
    conflicts: merged.conflicts,
    lockfile: lockfile.outcome,
    lockfileProblem: lockfile.problem,
  });
}

/** After the merge: a lockfile that matches the merged package.json, or why not. */
async function refreshLockfile(options: {
  gitdir: string;
  ours: FlatTree;
  merged: FlatTree;
  conflicted: Set<string>;
  scratchDir: string;
  signal?: AbortSignal;
}): Promise<{ outcome: LockfileOutcome; problem?: string }> {
  const { gitdir, ours, merged } = options;
  const pkg = merged.get('package.json');
  const changed = pkg && pkg.oid !== ours.get('package.json')?.oid;
  const others = ['yarn.lock', 'pnpm-lock.yaml'].filter(f => merged.has(f));
  const lock = merged.get('package-lock.json');
  if (!lock) {
    return others.length && changed
      ? {
          outcome: 'unsupported',
          problem: `package.json changed; regenerate ${others.join(
            ', ',
          )} with its package manager`,
        }
      : { outcome: 'none' };
  }
  if (!changed) return { outcome: 'unchanged' };
  if (options.conflicted.has('package.json')) {
    return {
      outcome: 'skipped-conflict',
      problem:
        'package.json has conflicts: resolve them, then run npm install to update package-lock.json',
    };
  }
  try {
    const npmrc = merged.get('.npmrc');
    const fresh = await regenerateNpmLockfile({
      scratchDir: options.scratchDir,
      packageJson: await readBlob(gitdir, pkg.oid),
      lockfile: await readBlob(gitdir, lock.oid),
      npmrc: npmrc ? await readBlob(gitdir, npmrc.oid) : undefined,
      signal: options.signal,
    });
    merged.set('package-lock.json', {
      oid: await writeBlob(gitdir, fresh),
      mode: lock.mode,
    });
    return { outcome: 'regenerated' };
  } catch (e) {
    return {
      outcome: 'failed',
      problem: `package-lock.json was not regenerated (${
        (e as Error).message
      }); run npm install on the branch`,
    };
  }
}
