import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = [
  process.env.PROMETHEUS_BIN,
  '/usr/bin/prometheus',
  '/usr/local/bin/prometheus',
];

export function findPrometheus(): string {
  const found = CANDIDATES.find(p => p && fs.existsSync(p));
  if (!found) {
    throw new Error(
      'Prometheus is not installed: this test needs a real Prometheus server. ' +
        'Install it with `apt-get install -y prometheus` (Debian package, gives /usr/bin/prometheus) ' +
        'or set PROMETHEUS_BIN to its path.',
    );
  }
  return found;
}

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(r => server.close(() => r()));
  return port;
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** Starts a real Prometheus on a free loopback port scraping `targets` (host:port) as job `job`. */
export async function startPrometheus(options: {
  job: string;
  targets: string[];
  scrapeInterval: string;
}): Promise<RunningPrometheus> {
  findPrometheus(); // fails early, with how to install it
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sh-prometheus-'));
  const port = await freePort();
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    configFile,
    [
      'global:',
      `  scrape_interval: ${options.scrapeInterval}`,
      `  scrape_timeout: ${options.scrapeInterval}`,
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(options.job)}`,
      '    static_configs:',
      `      - targets: ${JSON.stringify(options.targets)}`,
      '',
    ].join('\n'),
  );
  return runPrometheus({
    dir,
    port,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
    ],
    readyTimeoutMs: 20_000,
  });
}

/**
 * Runs Prometheus with `args` on 127.0.0.1:`port` until its `/-/ready`
 * answers; `stop` ends it and removes `dir`.
 */
export async function runPrometheus(options: {
  dir: string;
  port: number;
  args: string[];
  readyTimeoutMs: number;
}): Promise<RunningPrometheus> {
  const { dir, port } = options;
  const child: ChildProcess = spawn(
    findPrometheus(),
    [
      ...options.args,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', d => {
    stderr += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(r => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null)
        child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Prometheus exited with ${child.exitCode}: ${stderr}`);
    }
    const ready = await new Promise<boolean>(resolve => {
      http
        .get(`${url}/-/ready`, res => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus did not become ready: ${stderr}`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return { url, stop };
}

/** Runs an instant query against Prometheus directly (test helper). */
export async function instantQuery(url: string, query: string): Promise<any[]> {
  const res = await fetch(
    `${url}/api/v1/query?query=${encodeURIComponent(query)}`,
  );
  const body: any = await res.json();
  return body.data?.result ?? [];
}
