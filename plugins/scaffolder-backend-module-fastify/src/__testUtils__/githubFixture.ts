import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const GITHUB_FIXTURE_TOKEN = 'fixture-token';

/** A pull request as the fixture recorded it (the fields of GitHub's POST body). */
export interface RecordedPullRequest {
  owner: string;
  repo: string;
  number: number;
  title: string;
  head: string;
  base: string;
  body: string;
  html_url: string;
}

/**
 * What an update needs of GitHub, in GitHub's wire format, on 127.0.0.1:
 * the REST endpoints (`/api/v3`: repository, pulls, git refs) and the
 * repositories over git's smart HTTP protocol (the system's `git
 * http-backend`), both behind a token. Repositories are bare ones under
 * `root/<owner>/<repo>.git`.
 */
export async function startGithubFixture(root: string) {
  const pulls: RecordedPullRequest[] = [];
  const requests: string[] = [];
  let base = '';

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = (req: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const repoDir = (owner: string, repo: string) =>
    path.join(root, owner, `${repo}.git`);

  async function api(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) {
    if (req.headers.authorization !== `token ${GITHUB_FIXTURE_TOKEN}`) {
      json(res, 401, { message: 'Bad credentials' });
      return;
    }
    const match = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(
      url.pathname,
    );
    if (!match || !fs.existsSync(repoDir(match[1], match[2]))) {
      json(res, 404, { message: 'Not Found' });
      return;
    }
    const [, owner, repo, rest = ''] = match;
    const gitdir = repoDir(owner, repo);
    if (req.method === 'GET' && rest === '') {
      json(res, 200, {
        name: repo,
        full_name: `${owner}/${repo}`,
        default_branch: 'main',
        clone_url: `${base}/${owner}/${repo}.git`,
        html_url: `${base}/${owner}/${repo}`,
      });
    } else if (rest === '/pulls' && req.method === 'GET') {
      const head = url.searchParams.get('head');
      json(
        res,
        200,
        pulls.filter(p => `${p.owner}:${p.head}` === head),
      );
    } else if (rest === '/pulls' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8'));
      if (!body.title || !body.head || !body.base) {
        json(res, 422, { message: 'Validation Failed' });
        return;
      }
      const number = pulls.length + 1;
      const pull = {
        owner,
        repo,
        number,
        title: body.title,
        head: body.head,
        base: body.base,
        body: body.body ?? '',
        html_url: `${base}/${owner}/${repo}/pull/${number}`,
      };
      pulls.push(pull);
      json(res, 201, { number, html_url: pull.html_url, state: 'open' });
    } else if (rest === '/git/refs' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8'));
      try {
        await exec('git', ['rev-parse', '--verify', '--quiet', body.ref], {
          cwd: gitdir,
        });
        json(res, 422, { message: 'Reference already exists' });
        return;
      } catch {
        // does not exist yet
      }
      await exec('git', ['update-ref', body.ref, body.sha], { cwd: gitdir });
      json(res, 201, { ref: body.ref, object: { sha: body.sha } });
    } else if (rest.startsWith('/git/ref/heads/') && req.method === 'GET') {
      try {
        const { stdout } = await exec(
          'git',
          ['rev-parse', `refs/heads/${rest.slice('/git/ref/heads/'.length)}`],
          { cwd: gitdir },
        );
        json(res, 200, { object: { sha: stdout.trim() } });
      } catch {
        json(res, 404, { message: 'Not Found' });
      }
    } else {
      json(res, 404, { message: 'Not Found' });
    }
  }

  /** git's smart HTTP protocol through `git http-backend` (CGI), token as the password. */
  function gitHttp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) {
    const auth = req.headers.authorization ?? '';
    const password = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[1]
      : undefined;
    if (password !== GITHUB_FIXTURE_TOKEN) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' });
      res.end();
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        // a remote user enables receive-pack (pushes)
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] }
          : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const [name, ...value] = line.split(':');
        if (name.toLowerCase() === 'status')
          status = parseInt(value.join(':'), 10);
        else headers[name.toLowerCase()] = value.join(':').trim();
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}`);
    const handle = url.pathname.startsWith('/api/v3/')
      ? api(req, res, url)
      : Promise.resolve(gitHttp(req, res, url));
    handle.catch(error => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
      else res.end();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    baseUrl: base,
    apiBaseUrl: `${base}/api/v3`,
    pulls,
    requests,
    repoDir,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
