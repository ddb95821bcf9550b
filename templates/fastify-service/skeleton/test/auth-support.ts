import type { InjectOptions } from 'fastify';
import type { App } from '../src/app.ts';
import { authSettings, mintToken } from '../src/auth/jwt.ts';

/** A development token for the test app's issuer and audience. */
export function testToken(
  app: App,
  claims: { sub?: string; roles?: string[]; ttlS?: number } = {},
): Promise<string> {
  return mintToken(authSettings(app.config), { sub: 'test-user', roles: ['items:write'], ...claims });
}

/**
 * Makes `app.inject` send a valid bearer token unless the test sets an authorization header itself (an empty one
 * sends none), so tests of other features exercise the routes as an authorized caller.
 */
export async function authorizeByDefault(app: App): Promise<void> {
  const authorization = `Bearer ${await testToken(app)}`;
  const inject = app.inject.bind(app);
  const withToken = (options: InjectOptions | string): InjectOptions => {
    const opts = typeof options === 'string' ? { url: options } : options;
    const headers: Record<string, unknown> = { ...opts.headers };
    if (headers.authorization === undefined) headers.authorization = authorization;
    if (headers.authorization === '') delete headers.authorization;
    return { ...opts, headers: headers as InjectOptions['headers'] };
  };
  app.inject = ((options?: InjectOptions | string) =>
    options === undefined ? inject() : inject(withToken(options))) as App['inject'];
}
