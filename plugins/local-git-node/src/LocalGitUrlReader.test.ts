import { NotFoundError, NotModifiedError } from '@backstage/errors';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalRepository } from './localRepository';
import { LocalGitUrlReader, parseLocalGitUrl } from './LocalGitUrlReader';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'local-git-reader-'));
const root = path.join(tmp(), 'repos');

async function publish(name: string, files: Record<string, string>) {
  const src = tmp();
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    fs.writeFileSync(path.join(src, rel), content);
  }
  return createLocalRepository({
    root,
    name,
    sourceDir: src,
    defaultBranch: 'main',
    commitMessage: 'init',
    author: { name: 'a', email: 'a@b' },
  });
}

/** The reader as a backend gets it: Backstage's UrlReaders with this factory added. */
function reader() {
  return UrlReaders.default({
    config: new ConfigReader({
      scaffolder: { fastify: { localRepositoryRoot: root } },
    }),
    logger: mockServices.logger.mock(),
    factories: [LocalGitUrlReader.factory],
  });
}

describe('LocalGitUrlReader', () => {
  let base: string;
  beforeAll(async () => {
    const repo = await publish('orders-api', {
      'catalog-info.yaml': 'kind: Component\n',
      'openapi.yaml': 'openapi: 3.0.3\n',
      'openslo/latency.yaml': 'kind: SLO\n',
      'openslo/errors.yaml': 'kind: SLO\n',
    });
    base = repo.repoContentsUrl;
  });

  it('reads a file of the default branch, with its blob id as ETag', async () => {
    const res = await reader().readUrl(`${base}/openapi.yaml`);
    expect((await res.buffer()).toString()).toBe('openapi: 3.0.3\n');
    expect(res.etag).toMatch(/^[0-9a-f]{40}$/);
    await expect(
      reader().readUrl(`${base}/openapi.yaml`, { etag: res.etag }),
    ).rejects.toBeInstanceOf(NotModifiedError);
  });

  it('answers NotFoundError for a missing file or branch', async () => {
    await expect(reader().readUrl(`${base}/nope.yaml`)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      reader().readUrl(`${base.replace('/blob/main', '/blob/other')}/a`),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads a folder as a tree and searches with globs', async () => {
    const tree = await reader().readTree(
      `${base.replace('/blob/', '/tree/')}/openslo`,
    );
    const files = await tree.files();
    expect(files.map(f => f.path).sort()).toEqual([
      'errors.yaml',
      'latency.yaml',
    ]);
    const found = await reader().search(`${base}/openslo/*.yaml`);
    expect(found.files.map(f => f.url).sort()).toEqual([
      `${base}/openslo/errors.yaml`,
      `${base}/openslo/latency.yaml`,
    ]);
    expect((await found.files[0].content()).toString()).toBe('kind: SLO\n');
  });

  it('does not read files outside the local repository root', async () => {
    const outside = `${pathToFileURL(tmp()).href}/x.git/blob/main/a.txt`;
    await expect(reader().readUrl(outside)).rejects.toThrow();
    await expect(reader().readUrl('file:///etc/hostname')).rejects.toThrow();
    expect(parseLocalGitUrl(`${base}/../../etc/passwd`)).toBeUndefined();
  });
});
