import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findPrometheus } from '../../__testUtils__/prometheus';

const run = promisify(execFile);

/** promtool sits beside prometheus (Debian package: /usr/bin/promtool). */
export function findPromtool(): string {
  const candidates = [
    process.env.PROMTOOL_BIN,
    path.join(path.dirname(findPrometheus()), 'promtool'),
    '/usr/bin/promtool',
  ];
  const found = candidates.find(p => p && fs.existsSync(p));
  if (!found) {
    throw new Error(
      'promtool is not installed: install the Debian package prometheus (gives /usr/bin/promtool) or set PROMTOOL_BIN',
    );
  }
  return found;
}

export async function promtool(args: string[], cwd?: string) {
  return run(findPromtool(), args, { cwd, maxBuffer: 16 * 1024 * 1024 });
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(r => server.close(() => r()));
  return port;
}

/**
 * A real Prometheus serving a synthetic history: the OpenMetrics text is
 * turned into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`
 * (Prometheus' documented backfill) and Prometheus starts on them, scraping
 * nothing. Retention is long enough for 28-day-old samples.
 */
export async function startBackfilledPrometheus(
  openMetrics: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sh-slo-prometheus-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  const input = path.join(dir, 'history.om');
  fs.writeFileSync(input, openMetrics);
  await promtool([
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    '-q',
    input,
    data,
  ]);
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    findPrometheus(),
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=400d',
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
  const deadline = Date.now() + 30_000;
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
