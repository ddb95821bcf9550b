import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-'));

/** `npm run loadtest` (scripts/loadtest.ts) for one second, against an SLO written for the test. */
function loadtest(latencyMs: number, maxErrorRatio: number) {
  const sloFile = join(dir, `slo-${String(latencyMs)}.json`);
  writeFileSync(
    sloFile,
    JSON.stringify({
      connections: 2,
      durationSeconds: 1,
      latencyMs: { p50: latencyMs, p95: latencyMs, p99: latencyMs },
      maxErrorRatio,
    }),
  );
  const run = spawnSync(process.execPath, ['scripts/loadtest.ts'], {
    env: { ...process.env, SLO_FILE: sloFile, DATABASE_URL: '', REDIS_URL: '', OTEL_SDK_DISABLED: 'true' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('npm run loadtest', () => {
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports p50/p95/p99 and fails when the SLO cannot be met', () => {
    const { status, output } = loadtest(0.0001, 0);
    expect(output).toMatch(/p50 .* ms/);
    expect(output).toMatch(/p95 .* ms/);
    expect(output).toMatch(/p99 .* ms/);
    expect(output).toContain('SLO missed: p50, p95, p99');
    expect(status).toBe(1);
  });

  it('passes an SLO the service meets, with no failed requests', () => {
    const { status, output } = loadtest(60_000, 0);
    expect(output).toContain('SLO met');
    expect(status).toBe(0);
  });
});
