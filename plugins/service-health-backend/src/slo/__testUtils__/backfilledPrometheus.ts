import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  findPrometheus,
  freePort,
  runPrometheus,
} from '../../__testUtils__/prometheus';

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
  return runPrometheus({
    dir,
    port,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=400d',
    ],
    readyTimeoutMs: 30_000,
  });
}
