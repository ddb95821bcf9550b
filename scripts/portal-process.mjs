// The portal as a child process (`backstage-cli repo start`), for `npm start` and the browser
// tests: its config overrides for other ports, and which lines of its output (the app's bundler
// and the backend's logger) `npm start` shows in the terminal.

/**
 * Environment that moves the portal to `appUrl` / `backendUrl`: Backstage reads APP_CONFIG_*
 * as config overrides, for the backend and the app.
 */
export function portalConfigEnv({ appUrl, backendUrl }) {
  return {
    APP_CONFIG_app_baseUrl: appUrl,
    APP_CONFIG_backend_baseUrl: backendUrl,
    APP_CONFIG_backend_listen_port: new URL(backendUrl).port,
    APP_CONFIG_backend_cors_origin: appUrl,
  };
}

// Everything goes to the portal's log file; the terminal gets warnings and errors, never the
// per-request log.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
// The backend's development log format: `<time> <plugin> <level> <message> key="value"...`.
const BACKEND_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+\S+\s+(\w+)\s/;

/** The line without terminal colour codes (the backend colours its development log). */
export const stripAnsi = line => line.replace(ANSI, '');

/** Whether `npm start` shows this line of the portal's output in the terminal. */
export function isTerminalLine(rawLine) {
  const line = stripAnsi(rawLine);
  if (line.includes('type="incomingRequest"')) return false;
  const backend = BACKEND_LINE.exec(line);
  if (backend) return ['warn', 'error'].includes(backend[1]);
  // The bundler: only its errors.
  return /^ERROR\b|compiled with \d+ errors?|Error: /.test(line);
}
