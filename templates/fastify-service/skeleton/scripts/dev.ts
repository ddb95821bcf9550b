/**
 * `npm run dev`: the service under `node --watch` (restarts on file changes), stopped cleanly by one Ctrl+C.
 *
 * A terminal's Ctrl+C sends SIGINT to every process of its foreground group, and npm forwards it to its script as
 * well, so `node --watch` in that group would get it twice within milliseconds: it then clears its file watchers
 * twice and aborts (`fs_event_wrap.cc: Assertion failed`), and forwards a second signal the service would take for
 * "stop at once". So the watcher runs in a process group of its own, and this process hands it exactly one signal
 * per Ctrl+C: the same one repeated within REPEAT_MS is the same keypress. A Ctrl+C pressed again later (the
 * shutdown hangs) kills the service and its watcher at once.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const REPEAT_MS = 500;

// `--env-file-if-exists=.env` under --watch with no .env makes node --watch abort when it stops (it watches the
// missing file and then fails closing that watcher): pass .env only when there is one (restart after creating it).
const envFiles = ['--env-file=.env.development', ...(existsSync('.env') ? ['--env-file=.env'] : [])];

const watcher = spawn(
  process.execPath,
  [...envFiles, '--watch', '--import', './src/telemetry.ts', 'src/server.ts'],
  // stdin is not the service's: a process outside the terminal's foreground group must not read it.
  { detached: true, stdio: ['ignore', 'inherit', 'inherit'] },
);

let firstSignalAt: number | undefined;
let forced = false;
const onSignal = (signal: NodeJS.Signals) => {
  const pid = watcher.pid;
  if (pid === undefined || watcher.exitCode !== null || watcher.signalCode !== null) return;
  if (firstSignalAt === undefined) {
    firstSignalAt = Date.now();
    process.kill(pid, signal);
  } else if (Date.now() - firstSignalAt > REPEAT_MS && !forced) {
    forced = true;
    console.error(`${signal} again: stopping at once`);
    process.kill(-pid, 'SIGKILL');
  }
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

watcher.on('exit', (code, signal) => {
  process.exit(code ?? (signal === null ? 0 : 1));
});
watcher.on('error', (error) => {
  console.error(`cannot start node --watch: ${error.message}`);
  process.exit(1);
});
