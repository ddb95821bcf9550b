import {
  createServiceFactory,
  isChildPath,
  UrlReaderService,
  UrlReaderServiceReadTreeOptions,
  UrlReaderServiceReadTreeResponse,
  UrlReaderServiceReadUrlOptions,
  UrlReaderServiceReadUrlResponse,
  UrlReaderServiceSearchOptions,
  UrlReaderServiceSearchResponse,
} from '@backstage/backend-plugin-api';
import {
  ReaderFactory,
  ReadTreeResponseFactory,
  urlReaderFactoriesServiceRef,
} from '@backstage/backend-defaults/urlReader';
import { InputError, NotFoundError, NotModifiedError } from '@backstage/errors';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import git from 'isomorphic-git';
import { minimatch } from 'minimatch';
import { readLocalRepositoryRoot } from './config';

/**
 * A path in a local repository: `file:///<root>/<name>.git/{blob,tree}/<branch>[/<path>]`.
 *
 * @public
 */
export interface LocalGitUrl {
  /** Absolute path of the bare repository. */
  repoPath: string;
  branch: string;
  /** Path inside the repository, without a leading '/'; '' for the root. */
  path: string;
  /** `file:///<root>/<name>.git/blob/<branch>`: the base of the branch's file URLs. */
  contentsUrl: string;
}

/**
 * Parses a URL of a file or folder on a branch of a local repository, as
 * `fastify:publish:local` hands them out (`<remoteUrl>/blob/<branch>/<path>`;
 * `/tree/` works too, as on GitHub). Undefined for anything else.
 *
 * @public
 */
export function parseLocalGitUrl(url: string): LocalGitUrl | undefined {
  const match =
    /^(file:\/\/\/.+?\.git)\/(?:blob|tree)\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) return undefined;
  try {
    const path = decodeURIComponent(match[3] ?? '').replace(/\/+$/, '');
    if (path.split('/').some(segment => segment === '..' || segment === '.'))
      return undefined;
    return {
      repoPath: fileURLToPath(match[1]),
      branch: decodeURIComponent(match[2]),
      path,
      contentsUrl: `${match[1]}/blob/${match[2]}`,
    };
  } catch {
    return undefined;
  }
}

/**
 * Backstage's UrlReader for local repositories: reads files, trees and globs
 * from a branch of a bare repository under the local repository root, the way
 * the GitHub reader reads them from github.com. With it, a catalog file in a
 * local repository can say `definition: { $text: ./openapi.yaml }`, and any
 * plugin can read files of local repositories through `coreServices.urlReader`.
 * URLs outside the root are not this reader's (the predicate refuses them), so
 * a catalog file cannot make the backend read other files of its host.
 *
 * ETags are git object ids (the file's blob, the branch's commit): an unchanged
 * file answers NotModifiedError, as the catalog's refresh expects.
 *
 * @public
 */
export class LocalGitUrlReader implements UrlReaderService {
  /** Registers the reader for URLs under `scaffolder.fastify.localRepositoryRoot`. */
  static factory: ReaderFactory = ({ config, treeResponseFactory }) => {
    const reader = new LocalGitUrlReader(
      readLocalRepositoryRoot(config),
      treeResponseFactory,
    );
    return [{ reader, predicate: url => reader.handles(url) }];
  };

  constructor(
    private readonly root: string,
    private readonly treeResponseFactory: ReadTreeResponseFactory,
  ) {}

  /** Whether `url` names something in a repository under this reader's root. */
  handles(url: URL): boolean {
    if (url.protocol !== 'file:') return false;
    const parsed = parseLocalGitUrl(url.href);
    return parsed !== undefined && isChildPath(this.root, parsed.repoPath);
  }

  async readUrl(
    url: string,
    options?: UrlReaderServiceReadUrlOptions,
  ): Promise<UrlReaderServiceReadUrlResponse> {
    const { repoPath, branch, path } = this.parse(url);
    if (!path) throw new InputError(`${url} names a folder, not a file`);
    const commitOid = await this.resolveBranch(repoPath, branch, url);
    let blob: { oid: string; blob: Uint8Array };
    try {
      blob = await git.readBlob({
        fs,
        gitdir: repoPath,
        oid: commitOid,
        filepath: path,
      });
    } catch {
      throw new NotFoundError(`${path} does not exist on ${branch} of ${url}`);
    }
    if (options?.etag === blob.oid) throw new NotModifiedError();
    const data = Buffer.from(blob.blob);
    return {
      buffer: async () => data,
      stream: () => Readable.from(data),
      etag: blob.oid,
    };
  }

  async readTree(
    url: string,
    options?: UrlReaderServiceReadTreeOptions,
  ): Promise<UrlReaderServiceReadTreeResponse> {
    const { repoPath, branch, path } = this.parse(url);
    const commitOid = await this.resolveBranch(repoPath, branch, url);
    if (options?.etag === commitOid) throw new NotModifiedError();
    const prefix = path ? `${path}/` : '';
    const files = (
      await git.listFiles({ fs, gitdir: repoPath, ref: commitOid })
    )
      .filter(file => file.startsWith(prefix))
      .map(file => file.slice(prefix.length))
      .filter(file => !options?.filter || options.filter(file));
    const entries = await Promise.all(
      files.map(async file => {
        const { blob } = await git.readBlob({
          fs,
          gitdir: repoPath,
          oid: commitOid,
          filepath: `${prefix}${file}`,
        });
        return { path: file, data: Readable.from(Buffer.from(blob)) };
      }),
    );
    const response = await this.treeResponseFactory.fromReadableArray(entries);
    return {
      files: () => response.files(),
      archive: () => response.archive(),
      dir: dirOptions => response.dir(dirOptions),
      etag: commitOid,
    };
  }

  async search(
    url: string,
    options?: UrlReaderServiceSearchOptions,
  ): Promise<UrlReaderServiceSearchResponse> {
    const { repoPath, branch, path: pattern, contentsUrl } = this.parse(url);
    const commitOid = await this.resolveBranch(repoPath, branch, url);
    if (options?.etag === commitOid) throw new NotModifiedError();
    const matches = (
      await git.listFiles({ fs, gitdir: repoPath, ref: commitOid })
    ).filter(file => minimatch(file, pattern, { dot: true }));
    return {
      etag: commitOid,
      files: matches.map(file => ({
        url: `${contentsUrl}/${file}`,
        content: async () =>
          Buffer.from(
            (
              await git.readBlob({
                fs,
                gitdir: repoPath,
                oid: commitOid,
                filepath: file,
              })
            ).blob,
          ),
      })),
    };
  }

  toString(): string {
    return `local-git{root=${pathToFileURL(this.root).href}}`;
  }

  private parse(url: string): LocalGitUrl {
    const parsed = parseLocalGitUrl(url);
    if (!parsed || !isChildPath(this.root, parsed.repoPath)) {
      throw new InputError(
        `${url} is not a file of a local repository under ${this.root}`,
      );
    }
    return parsed;
  }

  private async resolveBranch(
    repoPath: string,
    branch: string,
    url: string,
  ): Promise<string> {
    try {
      return await git.resolveRef({
        fs,
        gitdir: repoPath,
        ref: `refs/heads/${branch}`,
      });
    } catch {
      throw new NotFoundError(
        `No branch ${branch} in the repository of ${url}`,
      );
    }
  }
}

/**
 * Adds {@link LocalGitUrlReader} to every plugin's `coreServices.urlReader`.
 * `@fastify-backstage/plugin-catalog-backend-module-local-git` installs it;
 * add it yourself (`backend.add(localGitUrlReaderServiceFactory)`) only in a
 * backend without that module.
 *
 * @public
 */
export const localGitUrlReaderServiceFactory = createServiceFactory({
  service: urlReaderFactoriesServiceRef,
  deps: {},
  async factory() {
    return LocalGitUrlReader.factory;
  },
});
