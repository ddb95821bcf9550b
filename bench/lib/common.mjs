// Helpers shared by the benchmark scripts (journey.mjs, run.mjs, service-vs-fastify.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';

/** Whether `taskset` works here (checked once, on first use), to pin processes to CPUs. */
let tasksetWorks;
export function haveTaskset() {
  if (tasksetWorks === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
      tasksetWorks = true;
    } catch {
      tasksetWorks = false;
    }
  }
  return tasksetWorks;
}

/**
 * Runs `main` with this process pinned to CPU 1 (the load generators' CPU): re-executes the script once under
 * `taskset -c 1` (BENCH_PINNED=1 marks the re-executed one) when there is taskset, else runs `main` here.
 */
export async function pinnedToCpu1(main) {
  if (haveTaskset() && process.env.BENCH_PINNED !== '1') {
    const child = spawn(
      'taskset',
      ['-c', '1', process.execPath, ...process.argv.slice(1)],
      {
        stdio: 'inherit',
        env: { ...process.env, BENCH_PINNED: '1' },
      },
    );
    child.on('exit', code => process.exit(code ?? 1));
  } else {
    await main();
  }
}

export const median = values => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The 1, 5 and 15 minute load averages, e.g. `0.52 0.61 0.70`. */
export const loadAverage = () =>
  loadavg()
    .map(v => v.toFixed(2))
    .join(' ');

/**
 * Prints rows as a plain-text table: a header, a dashed rule, one line per row; columns two spaces apart,
 * right-aligned where `alignRight(column)` holds, else left-aligned.
 */
export function printTable(
  rows,
  { columns = Object.keys(rows[0]), alignRight = c => c === 'figure' } = {},
) {
  const cells = rows.map(row => columns.map(c => String(row[c] ?? '')));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map(r => r[i].length)),
  );
  const line = values =>
    values
      .map((v, i) =>
        alignRight(columns[i]) ? v.padStart(widths[i]) : v.padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd();
  console.log(line(columns));
  console.log(widths.map(w => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

/**
 * A fresh PostgreSQL database `name` next to `adminUrl`'s (dropped first if a crashed run left it), created
 * through the rendered service's own `pg`. `drop()` removes it and may be called more than once.
 */
export async function scratchDatabase(serviceDir, adminUrl, name) {
  const pg = createRequire(join(serviceDir, 'package.json'))('pg');
  const admin = async sql => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await admin(`drop database if exists ${name} with (force)`);
  };
  return { url: url.toString(), drop };
}
