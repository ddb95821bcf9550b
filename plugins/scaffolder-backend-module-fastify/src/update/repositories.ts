import { isChildPath } from '@backstage/backend-plugin-api';
import { Entity, parseLocationRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import {
  LOCAL_GIT_LOCATION_TYPE,
  parseLocalContentsUrl,
  readLocalRepositoryRoot,
} from '@fastify-backstage/plugin-local-git-node';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import fs from 'node:fs';
import path from 'node:path';

/** A branch to set: `oid` replaces `previous` (undefined: the branch must not exist yet). */
export interface BranchUpdate {
  branch: string;
  oid: string;
  previous?: string;
}

/** Where a created service's repository lives, as far as an update needs it. */
export interface ServiceRepository {
  /** For messages: `local repository orders-api`, `github.com/acme/orders-api`. */
  readonly display: string;
  readonly defaultBranch: string;
  /** A git directory with the repository's objects; new objects are written here. */
  readonly gitdir: string;
  /** The commit a branch points at, or undefined when there is no such branch. */
  resolveBranch(branch: string): Promise<string | undefined>;
  /** Points branches at new commits in the repository itself. */
  publish(updates: BranchUpdate[]): Promise<void>;
  /** Offers a branch for review against the default branch. */
  openChange(change: {
    branch: string;
    title: string;
    body: string;
  }): Promise<{ url: string; kind: 'pull-request' | 'branch' }>;
}

/**
 * Where an entity's repository is: its source location, else the location the
 * catalog read it from, cut before `/blob/<branch>/` (or `/tree/<branch>/`).
 */
export function repositoryOfEntity(entity: Entity): {
  type: string;
  repoUrl: string;
  branch: string;
} {
  const annotations = entity.metadata.annotations ?? {};
  const candidates = [
    annotations['backstage.io/source-location'],
    annotations['backstage.io/managed-by-location'],
  ].filter((l): l is string => Boolean(l));
  for (const location of candidates) {
    const { type, target } = parseLocationRef(location);
    const match = /^(.+?)\/(?:blob|tree)\/([^/]+)(?:\/.*)?$/.exec(target);
    if (match) {
      return { type, repoUrl: match[1], branch: decodeURIComponent(match[2]) };
    }
  }
  throw new InputError(
    `${entity.metadata.name} has no location in a repository branch (${
      candidates.join(', ') || 'no location annotations'
    }); cannot find its repository`,
  );
}

const setBranch = (gitdir: string, update: BranchUpdate) =>
  git.writeRef({
    fs,
    gitdir,
    ref: `refs/heads/${update.branch}`,
    value: update.oid,
    force: true,
  });

const exists = async (gitdir: string, ref: string) => {
  try {
    return await git.resolveRef({ fs, gitdir, ref });
  } catch {
    return undefined;
  }
};

/** A bare repository made by fastify:publish:local, changed in place. */
export class LocalServiceRepository implements ServiceRepository {
  readonly display: string;

  constructor(
    readonly gitdir: string,
    readonly defaultBranch: string,
    readonly name: string,
  ) {
    this.display = `local repository ${name}`;
  }

  static fromContentsUrl(config: Config, url: string): LocalServiceRepository {
    const root = readLocalRepositoryRoot(config);
    const parsed = parseLocalContentsUrl(`${url.replace(/\/+$/, '')}/x`);
    if (!parsed || !isChildPath(root, parsed.repoPath)) {
      throw new InputError(
        `${url} is not a repository under the local repository root ${root}`,
      );
    }
    return new LocalServiceRepository(
      parsed.repoPath,
      parsed.branch,
      path.basename(parsed.repoPath, '.git'),
    );
  }

  resolveBranch(branch: string) {
    return exists(this.gitdir, `refs/heads/${branch}`);
  }

  async publish(updates: BranchUpdate[]) {
    for (const update of updates) {
      const current = await this.resolveBranch(update.branch);
      if (current !== update.previous) {
        throw new ConflictError(
          `Branch ${update.branch} of ${this.display} moved while the update ran; run it again`,
        );
      }
    }
    for (const update of updates) await setBranch(this.gitdir, update);
  }

  async openChange(change: { branch: string }) {
    const query = new URLSearchParams({
      repository: this.name,
      base: this.defaultBranch,
      head: change.branch,
    });
    return {
      url: `/template-updates/local-compare?${query}`,
      kind: 'branch' as const,
    };
  }
}

/** GitHub's REST API and git over HTTPS, with the portal's GitHub integration. */
export class GithubServiceRepository implements ServiceRepository {
  readonly display: string;
  #cloneUrl?: string;
  #defaultBranch?: string;
  #gitdir?: string;

  private constructor(
    private readonly apiBaseUrl: string,
    private readonly token: string,
    readonly owner: string,
    readonly repo: string,
    host: string,
  ) {
    this.display = `${host}/${owner}/${repo}`;
  }

  /** `https://<host>/<owner>/<repo>` of a GitHub integration. */
  static async fromUrl(
    config: Config,
    url: string,
  ): Promise<GithubServiceRepository> {
    const parsed = new URL(url);
    const [owner, repo] = parsed.pathname
      .replace(/^\/+/, '')
      .replace(/\.git$/, '')
      .split('/');
    const integrations = ScmIntegrations.fromConfig(config);
    const integration = integrations.github.byHost(parsed.host);
    if (!integration || !owner || !repo) {
      throw new InputError(
        `${url} is not a repository of a configured GitHub integration (integrations.github)`,
      );
    }
    if (!integration.config.apiBaseUrl) {
      throw new InputError(
        `The GitHub integration for ${parsed.host} has no apiBaseUrl`,
      );
    }
    const { token } = await DefaultGithubCredentialsProvider.fromIntegrations(
      integrations,
    ).getCredentials({ url: `https://${parsed.host}/${owner}/${repo}` });
    if (!token) {
      throw new InputError(
        `No GitHub credentials for ${parsed.host}/${owner}; set integrations.github[].token or a GitHub app`,
      );
    }
    return new GithubServiceRepository(
      integration.config.apiBaseUrl,
      token,
      owner,
      repo,
      parsed.host,
    );
  }

  get defaultBranch(): string {
    if (!this.#defaultBranch) throw new Error('clone() first');
    return this.#defaultBranch;
  }

  get gitdir(): string {
    if (!this.#gitdir) throw new Error('clone() first');
    return this.#gitdir;
  }

  private async api<T>(method: string, route: string, body?: unknown) {
    const res = await fetch(`${this.apiBaseUrl}${route}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `token ${this.token}`,
        'x-github-api-version': '2022-11-28',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as T, text };
  }

  private fail(what: string, res: { status: number; json: any }): never {
    throw new Error(
      `GitHub ${what} for ${this.display} answered ${res.status}${
        res.json?.message ? `: ${res.json.message}` : ''
      }`,
    );
  }

  private onAuth = () => ({ username: 'x-access-token', password: this.token });

  /** Fetches every branch into a scratch clone (objects only, no checkout). */
  async clone(dir: string): Promise<void> {
    const res = await this.api<{ clone_url: string; default_branch: string }>(
      'GET',
      `/repos/${this.owner}/${this.repo}`,
    );
    if (res.status !== 200) this.fail('GET repository', res);
    this.#cloneUrl = res.json.clone_url;
    this.#defaultBranch = res.json.default_branch;
    await git.clone({
      fs,
      http,
      dir,
      url: this.#cloneUrl,
      noCheckout: true,
      onAuth: this.onAuth,
    });
    this.#gitdir = path.join(dir, '.git');
  }

  resolveBranch(branch: string) {
    return exists(this.gitdir, `refs/remotes/origin/${branch}`);
  }

  async publish(updates: BranchUpdate[]) {
    for (const update of updates) {
      await setBranch(this.gitdir, update);
      // Not forced: GitHub refuses the push if the branch moved since the clone.
      const result = await git.push({
        fs,
        http,
        gitdir: this.gitdir,
        url: this.#cloneUrl,
        ref: update.branch,
        remoteRef: update.branch,
        onAuth: this.onAuth,
      });
      if (!result.ok) {
        throw new ConflictError(
          `Pushing ${update.branch} to ${this.display} failed: ${
            result.error ?? JSON.stringify(result.refs)
          }`,
        );
      }
    }
  }

  async openChange(change: { branch: string; title: string; body: string }) {
    const open = await this.api<Array<{ html_url: string }>>(
      'GET',
      `/repos/${this.owner}/${
        this.repo
      }/pulls?state=open&head=${encodeURIComponent(
        `${this.owner}:${change.branch}`,
      )}`,
    );
    if (open.status === 200 && open.json?.length) {
      return { url: open.json[0].html_url, kind: 'pull-request' as const };
    }
    const created = await this.api<{ html_url: string }>(
      'POST',
      `/repos/${this.owner}/${this.repo}/pulls`,
      {
        title: change.title,
        head: change.branch,
        base: this.defaultBranch,
        body: change.body,
      },
    );
    if (created.status !== 201) this.fail('POST pull request', created);
    return { url: created.json.html_url, kind: 'pull-request' as const };
  }

  /** Creates a branch at a commit that already is in the repository (REST, no clone needed). */
  async createBranch(branch: string, sha: string): Promise<void> {
    const res = await this.api(
      'POST',
      `/repos/${this.owner}/${this.repo}/git/refs`,
      {
        ref: `refs/heads/${branch}`,
        sha,
      },
    );
    if (res.status === 201) return;
    if (res.status === 422) {
      const current = await this.api<{ object: { sha: string } }>(
        'GET',
        `/repos/${this.owner}/${this.repo}/git/ref/heads/${encodeURIComponent(
          branch,
        )}`,
      );
      if (current.status === 200 && current.json.object.sha === sha) return;
      throw new ConflictError(
        `Branch ${branch} already exists in ${this.display} at another commit`,
      );
    }
    this.fail(`POST git ref ${branch}`, res);
  }
}

/** Whether a location is a repository of the local publisher. */
export function isLocalLocation(type: string, repoUrl: string): boolean {
  return type === LOCAL_GIT_LOCATION_TYPE || repoUrl.startsWith('file:');
}

/**
 * The repository of a `<repo>/blob/<branch>` URL: a local one (file URL under
 * the local repository root) or one of a GitHub integration.
 */
export async function openServiceRepository(
  config: Config,
  location: { type: string; repoUrl: string; branch: string },
): Promise<LocalServiceRepository | GithubServiceRepository> {
  if (isLocalLocation(location.type, location.repoUrl)) {
    return LocalServiceRepository.fromContentsUrl(
      config,
      `${location.repoUrl}/blob/${location.branch}`,
    );
  }
  return GithubServiceRepository.fromUrl(config, location.repoUrl);
}

/** Splits a `repoContentsUrl` output of a publish step. */
export function parseRepoContentsUrl(url: string): {
  type: string;
  repoUrl: string;
  branch: string;
} {
  const match = /^(.+?)\/(?:blob|tree)\/([^/]+)\/?$/.exec(url.trim());
  if (!match) {
    throw new InputError(
      `'${url}' is not a repository contents URL (<repository>/blob/<branch>)`,
    );
  }
  return {
    type: match[1].startsWith('file:') ? LOCAL_GIT_LOCATION_TYPE : 'url',
    repoUrl: match[1],
    branch: decodeURIComponent(match[2]),
  };
}
