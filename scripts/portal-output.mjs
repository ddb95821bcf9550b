// Which lines of the portal's output (`backstage-cli repo start`: the app's bundler and the
// backend's logger) `npm start` shows in the terminal. Everything goes to the portal's log file;
// the terminal gets warnings and errors, never the per-request log.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
// The backend's development log format: `<time> <plugin> <level> <message> key="value"...`.
const BACKEND_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+\S+\s+(\w+)\s/;

/** Whether `npm start` shows this line of the portal's output in the terminal. */
export function isTerminalLine(rawLine) {
  const line = rawLine.replace(ANSI, '');
  if (line.includes('type="incomingRequest"')) return false;
  const backend = BACKEND_LINE.exec(line);
  if (backend) return ['warn', 'error'].includes(backend[1]);
  // The bundler: only its errors.
  return /^ERROR\b|compiled with \d+ errors?|Error: /.test(line);
}
