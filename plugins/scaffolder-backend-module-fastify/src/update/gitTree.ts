import git from 'isomorphic-git';
import fs from 'node:fs';
import path from 'node:path';

/** A file in a git tree: its blob and mode ('100644', '100755' or '120000'). */
export interface TreeFile {
  oid: string;
  mode: string;
}

/** A whole tree, flattened: POSIX path to file. */
export type FlatTree = Map<string, TreeFile>;

/** The files of a commit's tree, recursively. */
export async function readFlatTree(
  gitdir: string,
  commitOid: string,
): Promise<FlatTree> {
  const files: FlatTree = new Map();
  const walk = async (treeOid: string, prefix: string) => {
    const { tree } = await git.readTree({ fs, gitdir, oid: treeOid });
    for (const entry of tree) {
      const rel = prefix ? `${prefix}/${entry.path}` : entry.path;
      if (entry.type === 'tree') await walk(entry.oid, rel);
      else if (entry.type === 'blob') {
        files.set(rel, { oid: entry.oid, mode: entry.mode });
      }
      // submodules (commit entries) are not something a template renders
    }
  };
  const { commit } = await git.readCommit({ fs, gitdir, oid: commitOid });
  await walk(commit.tree, '');
  return files;
}

/** Writes nested tree objects for a flat tree; returns the root tree's oid. */
export async function writeFlatTree(
  gitdir: string,
  files: FlatTree,
): Promise<string> {
  type Dir = { files: Map<string, TreeFile>; dirs: Map<string, Dir> };
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [rel, file] of files) {
    const parts = rel.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let child = dir.dirs.get(part);
      if (!child) {
        child = { files: new Map(), dirs: new Map() };
        dir.dirs.set(part, child);
      }
      dir = child;
    }
    dir.files.set(parts[parts.length - 1], file);
  }
  const write = async (dir: Dir): Promise<string> => {
    const entries: Array<{
      mode: string;
      path: string;
      oid: string;
      type: 'blob' | 'tree';
    }> = [];
    for (const [name, child] of dir.dirs) {
      entries.push({
        mode: '040000',
        path: name,
        oid: await write(child),
        type: 'tree',
      });
    }
    for (const [name, file] of dir.files) {
      entries.push({
        mode: file.mode,
        path: name,
        oid: file.oid,
        type: 'blob',
      });
    }
    return git.writeTree({ fs, gitdir, tree: entries });
  };
  return write(root);
}

export async function readBlob(gitdir: string, oid: string): Promise<Buffer> {
  const { blob } = await git.readBlob({ fs, gitdir, oid });
  return Buffer.from(blob);
}

export async function writeBlob(
  gitdir: string,
  content: Buffer | string,
): Promise<string> {
  return git.writeBlob({
    fs,
    gitdir,
    blob: typeof content === 'string' ? Buffer.from(content) : content,
  });
}

/**
 * The files of a directory as a commit would hold them: every file its
 * .gitignore files do not exclude (what `git add .` takes), with the
 * executable bit. Blobs are written into `gitdir`.
 */
export async function writeDirectoryBlobs(
  gitdir: string,
  dir: string,
): Promise<FlatTree> {
  const files: FlatTree = new Map();
  const walk = async (rel: string) => {
    const entries = await fs.promises.readdir(path.join(dir, rel), {
      withFileTypes: true,
    });
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (await git.isIgnored({ fs, dir, gitdir, filepath: childRel })) {
        continue;
      }
      const abs = path.join(dir, childRel);
      if (entry.isDirectory()) {
        await walk(childRel);
      } else if (entry.isSymbolicLink()) {
        const target = await fs.promises.readlink(abs);
        files.set(childRel, {
          oid: await writeBlob(gitdir, target),
          mode: '120000',
        });
      } else if (entry.isFile()) {
        const stat = await fs.promises.stat(abs);
        files.set(childRel, {
          oid: await writeBlob(gitdir, await fs.promises.readFile(abs)),
          mode: stat.mode & 0o111 ? '100755' : '100644',
        });
      }
    }
  };
  await walk('');
  return files;
}

export function sameTree(a: FlatTree, b: FlatTree): boolean {
  if (a.size !== b.size) return false;
  for (const [rel, file] of a) {
    const other = b.get(rel);
    if (!other || other.oid !== file.oid || other.mode !== file.mode) {
      return false;
    }
  }
  return true;
}
