#!/usr/bin/env node
// `npm start`: the portal (Backstage app on :3000, backend on :7007) and, beside it, a live
// example service made from the Fastify template through the scaffolder, exactly as a
// developer would make one, with a small steady load so its Health tab has data at first open.
//
// EXAMPLE_SERVICE=false starts the portal alone.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createExampleService,
  runSyntheticLoad,
  startService,
} from './example-service.mjs';

const ROOT = join(import.meta.dirname, '..');
const BACKEND_URL = process.env.BACKEND_URL ?? 'http://localhost:7007';
const withExample = process.env.EXAMPLE_SERVICE !== 'false';

const children = [];
function run(command, args, options) {
  const child = spawn(command, args, {
    stdio: 'inherit',
    detached: true,
    ...options,
  });
  children.push(child);
  return child;
}
function stopAll(code = 0) {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const portal = run(
  process.execPath,
  [
    join(ROOT, 'node_modules/@backstage/cli/bin/backstage-cli'),
    'repo',
    'start',
    ...process.argv.slice(2),
  ],
  { cwd: ROOT },
);
portal.on('exit', code => stopAll(code ?? 1));

if (withExample) {
  try {
    const service = await createExampleService({
      backendUrl: BACKEND_URL,
      log: console.log,
    });
    // The service's output goes to .local/<name>.log (npm run dev logs every request at debug).
    const logFile = join(ROOT, '.local', `${service.name}.log`);
    const child = startService(service, { logFile });
    children.push(child);
    console.log(`Starting ${service.name} (npm run dev; log: ${logFile})...`);
    await runSyntheticLoad(service, { log: console.log });
    console.log(
      `\nExample service ${service.name} runs at ${service.url}; its Health tab: http://localhost:3000/catalog/default/component/${service.name}/health\n`,
    );
  } catch (error) {
    console.error(
      `\nThe example service could not start (the portal runs on): ${error.message}\n`,
    );
  }
}
