import fp from 'fastify-plugin';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One entry of `checks` in the IETF "Health Check Response Format for HTTP APIs" draft. */
export type CheckResult = {
  componentType: string;
  status: CheckStatus;
  observedValue: number;
  observedUnit: 'ms';
  time: string;
  output?: string;
};

/** A readiness check resolves with its status (pass when omitted) or throws to fail. */
export type ReadinessCheck = () => Promise<{ status?: CheckStatus; output?: string } | undefined>;

export type Health = {
  /** Registers a dependency checked by GET /ready, keyed `<component>:<measurement>`, e.g. `postgres:connection`. */
  addCheck(key: string, componentType: string, check: ReadinessCheck): void;
  /** Runs every check concurrently; each one reports its own status and latency. */
  runChecks(): Promise<Record<string, CheckResult[]>>;
  /** Set at the start of shutdown so /ready fails before the server stops accepting connections. */
  shuttingDown: boolean;
  /** Set once the server stops accepting connections: every response then closes its connection. */
  closingConnections: boolean;
};

declare module 'fastify' {
  interface FastifyInstance {
    health: Health;
  }
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(componentType: string, check: ReadinessCheck): Promise<CheckResult> {
  const started = performance.now();
  let status: CheckStatus;
  let output: string | undefined;
  try {
    const timeout = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    const result = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timeout.addEventListener('abort', () => {
          reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`));
        });
      }),
    ]);
    status = result?.status ?? 'pass';
    output = result?.output;
  } catch (error) {
    status = 'fail';
    output = error instanceof Error ? error.message : String(error);
  }
  return {
    componentType,
    status,
    observedValue: Math.round((performance.now() - started) * 100) / 100,
    observedUnit: 'ms',
    time: new Date().toISOString(),
    ...(output === undefined ? {} : { output }),
  };
}

export default fp(
  async (app) => {
    const checks = new Map<string, { componentType: string; check: ReadinessCheck }>();
    const health: Health = {
      shuttingDown: false,
      closingConnections: false,
      addCheck(key, componentType, check) {
        checks.set(key, { componentType, check });
      },
      async runChecks() {
        const entries = await Promise.all(
          [...checks].map(async ([key, { componentType, check }]): Promise<[string, CheckResult[]]> => [
            key,
            [await runCheck(componentType, check)],
          ]),
        );
        return Object.fromEntries(entries);
      },
    };
    app.decorate('health', health);

    // Once shutdown stops accepting connections, every response closes its connection, so each keep-alive client
    // gets the answer to the request it sent and then opens a new connection (refused here: the balancer's next
    // instance) instead of writing its next request onto a socket this server would close under it (a reset, and
    // a client cannot know whether a reset POST was applied). Not earlier, during the drain: reconnecting clients
    // would sit in the listen backlog when it closes, and be reset there.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (health.closingConnections) reply.header('connection', 'close');
      done(null, payload);
    });
  },
  { name: 'health' },
);
