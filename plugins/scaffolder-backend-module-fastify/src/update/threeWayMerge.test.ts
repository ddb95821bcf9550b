import git from 'isomorphic-git';
import fs from 'node:fs';
import { makeTempDir } from '../__testUtils__/fixtures';
import { FlatTree, readBlob, writeBlob } from './gitTree';
import { mergeText, mergeTrees } from './threeWayMerge';

const labels = { ours: 'main (your service)', theirs: 'template 2.0.0' };

describe('mergeText', () => {
  it('takes changes of both sides in different places', () => {
    const base = 'a\nb\nc\nd\ne\n';
    expect(
      mergeText('A\nb\nc\nd\ne\n', base, 'a\nb\nc\nd\nE\n', labels),
    ).toEqual({ text: 'A\nb\nc\nd\nE\n', conflict: false });
  });

  it('takes the same change made on both sides once', () => {
    expect(mergeText('a\nX\n', 'a\nb\n', 'a\nX\n', labels)).toEqual({
      text: 'a\nX\n',
      conflict: false,
    });
  });

  it('marks overlapping changes with both sides, labelled', () => {
    const merged = mergeText(
      'a\nmine\nc\n',
      'a\nb\nc\n',
      'a\ntheirs\nc\n',
      labels,
    );
    expect(merged.conflict).toBe(true);
    expect(merged.text).toBe(
      'a\n<<<<<<< main (your service)\nmine\n=======\ntheirs\n>>>>>>> template 2.0.0\nc\n',
    );
  });

  it('keeps the final newline when the conflict is at the end', () => {
    const merged = mergeText('a\nmine\n', 'a\nb\n', 'a\ntheirs\n', labels);
    expect(merged.text).toBe(
      'a\n<<<<<<< main (your service)\nmine\n=======\ntheirs\n>>>>>>> template 2.0.0\n',
    );
  });
});

describe('mergeTrees', () => {
  const gitdir = makeTempDir('merge-');
  beforeAll(() => git.init({ fs, dir: gitdir, bare: true }));
  afterAll(() => fs.rmSync(gitdir, { recursive: true, force: true }));

  const tree = async (
    files: Record<string, string | Buffer>,
    mode = '100644',
  ) => {
    const out: FlatTree = new Map();
    for (const [rel, content] of Object.entries(files)) {
      out.set(rel, { oid: await writeBlob(gitdir, content), mode });
    }
    return out;
  };
  const text = async (files: FlatTree, rel: string) =>
    (await readBlob(gitdir, files.get(rel)!.oid)).toString('utf8');

  it('merges whole trees, keeps both sides of every conflict and reports it', async () => {
    const base = await tree({
      'same.txt': 'same\n',
      'ours-only.txt': 'x\n',
      'theirs-only.txt': 'x\n',
      'both.txt': 'a\nb\nc\n',
      'deleted-by-template.txt': 'old\n',
      'deleted-by-service.txt': 'old\n',
      'deleted-both.txt': 'old\n',
      'logo.png': Buffer.from([0x89, 0, 1]),
      'package-lock.json': '{"lockfileVersion":3}\n',
    });
    const ours = await tree({
      'same.txt': 'same\n',
      'ours-only.txt': 'ours\n',
      'theirs-only.txt': 'x\n',
      'both.txt': 'a\nmine\nc\n',
      'deleted-by-template.txt': 'changed by the owner\n',
      'added-by-service.txt': 'new\n',
      'added-both.txt': 'one\n',
      'logo.png': Buffer.from([0x89, 0, 2]),
      'package-lock.json': '{"lockfileVersion":3,"ours":true}\n',
    });
    const theirs = await tree({
      'same.txt': 'same\n',
      'ours-only.txt': 'x\n',
      'theirs-only.txt': 'theirs\n',
      'both.txt': 'a\ntheirs\nc\n',
      'deleted-by-service.txt': 'changed by the template\n',
      'added-by-template.txt': 'new\n',
      'added-both.txt': 'two\n',
      'logo.png': Buffer.from([0x89, 0, 3]),
      'package-lock.json': '{"lockfileVersion":3,"theirs":true}\n',
    });
    const { files, conflicts } = await mergeTrees({
      gitdir,
      base,
      ours,
      theirs,
      labels,
    });
    expect([...files.keys()].sort()).toEqual([
      'added-both.txt',
      'added-by-service.txt',
      'added-by-template.txt',
      'both.txt',
      'deleted-by-service.txt',
      'deleted-by-template.txt',
      'logo.png',
      'ours-only.txt',
      'package-lock.json',
      'same.txt',
      'theirs-only.txt',
    ]);
    expect(conflicts).toEqual([
      { path: 'added-both.txt', kind: 'both-added' },
      { path: 'both.txt', kind: 'content' },
      { path: 'deleted-by-service.txt', kind: 'deleted-by-service' },
      { path: 'deleted-by-template.txt', kind: 'deleted-by-template' },
      { path: 'logo.png', kind: 'binary' },
    ]);
    expect(await text(files, 'ours-only.txt')).toBe('ours\n');
    expect(await text(files, 'theirs-only.txt')).toBe('theirs\n');
    expect(await text(files, 'both.txt')).toContain('mine\n=======\ntheirs\n');
    expect(await text(files, 'added-both.txt')).toBe(
      '<<<<<<< main (your service)\none\n=======\ntwo\n>>>>>>> template 2.0.0\n',
    );
    expect(await text(files, 'deleted-by-template.txt')).toBe(
      'changed by the owner\n',
    );
    expect(await text(files, 'deleted-by-service.txt')).toBe(
      'changed by the template\n',
    );
    expect(files.get('logo.png')).toEqual(ours.get('logo.png'));
    // lockfiles are the service's, never merged
    expect(files.get('package-lock.json')).toEqual(
      ours.get('package-lock.json'),
    );
  });

  it('takes a mode change from the side that made it', async () => {
    const base = await tree({ 'run.sh': 'echo 1\n' });
    const ours = await tree({ 'run.sh': 'echo 1\n' }, '100755');
    const theirs = await tree({ 'run.sh': 'echo 2\n' });
    const { files, conflicts } = await mergeTrees({
      gitdir,
      base,
      ours,
      theirs,
      labels,
    });
    expect(conflicts).toEqual([]);
    expect(files.get('run.sh')!.mode).toBe('100755');
    expect(await text(files, 'run.sh')).toBe('echo 2\n');
  });
});
