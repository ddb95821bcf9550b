import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import git from 'isomorphic-git';

/**
 * Catalog location type of files in local repositories:
 * `local-git:file:///<root>/<name>.git/blob/<branch>/<path>`.
 *
 * @public
 */
export const LOCAL_GIT_LOCATION_TYPE = 'local-git';

/**
 * Repository names: what GitHub accepts, minus the odd cases.
 *
 * @public
 */
export const REPOSITORY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** @public */
export function validateRepositoryName(name: string): void {
  if (
    !REPOSITORY_NAME.test(name) ||
    name.endsWith('.git') ||
    name.includes('..')
  ) {
    throw new InputError(
      `Invalid repository name '${name}': use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..' or a '.git' suffix`,
    );
  }
}

/** @public */
export function validateBranchName(branch: string): void {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(branch) ||
    branch.includes('..') ||
    branch.endsWith('.lock')
  ) {
    throw new InputError(
      `Invalid branch name '${branch}': use letters, digits, '.', '_' or '-' (no '/')`,
    );
  }
}

/** @public */
export interface LocalRepositoryLocation {
  /** Absolute path of the bare repository (`<root>/<name>.git`). */
  path: string;
  /** `file://` URL of the bare repository: what `git clone` takes. */
  remoteUrl: string;
  /** Like publish:github's: `<remoteUrl>/blob/<branch>`. */
  repoContentsUrl: string;
}

/** @public */
export function localRepositoryLocation(
  root: string,
  name: string,
  branch: string,
): LocalRepositoryLocation {
  validateRepositoryName(name);
  validateBranchName(branch);
  const repoPath = path.join(root, `${name}.git`);
  const remoteUrl = pathToFileURL(repoPath).href;
  return {
    path: repoPath,
    remoteUrl,
    repoContentsUrl: `${remoteUrl}/blob/${branch}`,
  };
}

/**
 * Parses `file:///<root>/<name>.git/blob/<branch>/<path>` (a local
 * repository's contents URL plus a file path). Returns undefined for anything else.
 *
 * @public
 */
export function parseLocalContentsUrl(
  url: string,
): { repoPath: string; branch: string; filePath: string } | undefined {
  const match = /^(file:\/\/.+?\.git)\/blob\/([^/]+)\/(.+)$/.exec(url);
  if (!match) return undefined;
  try {
    return {
      repoPath: fileURLToPath(match[1]),
      branch: decodeURIComponent(match[2]),
      filePath: decodeURIComponent(match[3]),
    };
  } catch {
    return undefined;
  }
}

/** @public */
export interface CreateLocalRepositoryOptions {
  root: string;
  name: string;
  /** Directory whose files become the first commit (.gitignore is honoured, .git is skipped). */
  sourceDir: string;
  defaultBranch: string;
  commitMessage: string;
  author: { name: string; email: string };
}

/**
 * Creates `<root>/<name>.git` as a bare repository holding one commit of
 * `sourceDir` on `defaultBranch`. The repository directory is claimed with an
 * exclusive mkdir, so an existing repository (or a concurrent run) is never
 * touched: that case throws a ConflictError. On any later failure only the
 * directory this call created is removed.
 *
 * @public
 */
export async function createLocalRepository(
  options: CreateLocalRepositoryOptions,
): Promise<LocalRepositoryLocation & { commitHash: string }> {
  const location = localRepositoryLocation(
    options.root,
    options.name,
    options.defaultBranch,
  );
  await ensureRoot(options.root);
  try {
    await fs.promises.mkdir(location.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConflictError(
        `Repository '${options.name}' already exists at ${location.path}; choose another name (the existing repository was left untouched)`,
      );
    }
    throw e;
  }
  try {
    await git.init({
      fs,
      dir: location.path,
      bare: true,
      defaultBranch: options.defaultBranch,
    });
    const gitdir = location.path;
    await git.add({ fs, dir: options.sourceDir, gitdir, filepath: '.' });
    const commitHash = await git.commit({
      fs,
      dir: options.sourceDir,
      gitdir,
      message: options.commitMessage,
      author: options.author,
      committer: options.author,
    });
    // a bare repository has no index
    await fs.promises.rm(path.join(gitdir, 'index'), { force: true });
    return { ...location, commitHash };
  } catch (e) {
    await fs.promises.rm(location.path, { recursive: true, force: true });
    throw e;
  }
}

/** Creates the root if needed; a root we create ignores itself in an enclosing git work tree. */
async function ensureRoot(root: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await fs.promises.mkdir(root, { recursive: true });
  } catch (e) {
    throw new InputError(
      `Cannot create the local repository root ${root}: ${
        (e as Error).message
      } (set scaffolder.fastify.localRepositoryRoot)`,
    );
  }
  if (created !== undefined) {
    await fs.promises.writeFile(
      path.join(root, '.gitignore'),
      '# Local git repositories created by the scaffolder (fastify:publish:local)\n*\n',
    );
  }
  try {
    await fs.promises.access(root, fs.constants.W_OK);
  } catch {
    throw new InputError(
      `The local repository root ${root} is not writable (set scaffolder.fastify.localRepositoryRoot)`,
    );
  }
}

/**
 * Reads one file of a branch of a local bare repository.
 *
 * @public
 */
export async function readLocalRepositoryFile(
  repoPath: string,
  branch: string,
  filePath: string,
): Promise<Buffer> {
  const oid = await git.resolveRef({ fs, gitdir: repoPath, ref: branch });
  const { blob } = await git.readBlob({
    fs,
    gitdir: repoPath,
    oid,
    filepath: filePath,
  });
  return Buffer.from(blob);
}

/**
 * A bare repository found under the local repository root.
 *
 * @public
 */
export interface LocalRepositorySummary {
  /** Repository name (`<root>/<name>.git`). */
  name: string;
  /** The branch HEAD points at: the branch fastify:publish:local committed to. */
  defaultBranch: string;
  location: LocalRepositoryLocation;
}

/**
 * Lists the bare repositories directly under `root` (`<name>.git` directories
 * whose HEAD names a branch that has a commit), sorted by name. A missing root
 * holds no repositories. Directories that are not repositories the publisher
 * could have made (other names, symbolic links, no HEAD branch, no commit, a
 * branch name with '/') are skipped and reported through `onSkip`.
 *
 * @public
 */
export async function listLocalRepositories(
  root: string,
  onSkip: (dir: string, reason: string) => void = () => {},
): Promise<LocalRepositorySummary[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(root, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: LocalRepositorySummary[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.endsWith('.git')) continue;
    const name = entry.name.slice(0, -'.git'.length);
    const gitdir = path.join(root, entry.name);
    try {
      const branch = await git.currentBranch({ fs, gitdir, fullname: false });
      if (!branch) {
        onSkip(gitdir, 'HEAD does not name a branch');
        continue;
      }
      const location = localRepositoryLocation(root, name, branch);
      await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` });
      out.push({ name, defaultBranch: branch, location });
    } catch (e) {
      onSkip(gitdir, (e as Error).message);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

/**
 * Whether a file exists on a branch of a local bare repository.
 *
 * @public
 */
export async function localRepositoryHasFile(
  repoPath: string,
  branch: string,
  filePath: string,
): Promise<boolean> {
  try {
    await readLocalRepositoryFile(repoPath, branch, filePath);
    return true;
  } catch {
    return false;
  }
}

/**
 * What the portal shows of a local repository: enough to recognise it and clone it.
 *
 * @public
 */
export interface LocalRepositoryDescription {
  name: string;
  defaultBranch: string;
  /** `file://` URL: what `git clone` takes. */
  remoteUrl: string;
  cloneCommand: string;
  /** The newest commits of the default branch, newest first (at most 20). */
  commits: Array<{
    oid: string;
    message: string;
    author: string;
    /** ISO 8601. */
    date: string;
  }>;
  /** Every file path on the default branch, sorted. */
  files: string[];
  /** README.md of the default branch, when it has one (at most 64 KiB). */
  readme?: string;
}

const README_MAX_BYTES = 64 * 1024;

/**
 * Describes `<root>/<name>.git` for a read-only view: its branch, newest
 * commits, files and README. NotFoundError when there is no such repository.
 *
 * @public
 */
export async function describeLocalRepository(
  root: string,
  name: string,
): Promise<LocalRepositoryDescription> {
  validateRepositoryName(name);
  const found = (await listLocalRepositories(root)).find(r => r.name === name);
  if (!found) {
    throw new NotFoundError(`No local repository named '${name}'`);
  }
  const gitdir = found.location.path;
  const ref = `refs/heads/${found.defaultBranch}`;
  const log = await git.log({ fs, gitdir, ref, depth: 20 });
  const files = (await git.listFiles({ fs, gitdir, ref })).sort();
  let readme: string | undefined;
  if (files.includes('README.md')) {
    const data = await readLocalRepositoryFile(
      gitdir,
      found.defaultBranch,
      'README.md',
    );
    readme = data.subarray(0, README_MAX_BYTES).toString('utf8');
  }
  return {
    name,
    defaultBranch: found.defaultBranch,
    remoteUrl: found.location.remoteUrl,
    cloneCommand: `git clone ${found.location.remoteUrl} ${name}`,
    commits: log.map(entry => ({
      oid: entry.oid,
      message: entry.commit.message.trim(),
      author: entry.commit.author.name,
      date: new Date(entry.commit.author.timestamp * 1000).toISOString(),
    })),
    files,
    ...(readme !== undefined && { readme }),
  };
}
