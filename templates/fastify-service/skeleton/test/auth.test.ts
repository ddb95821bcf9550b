import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { buildApp, type App } from '../src/app.ts';
import { readRoles } from '../src/auth/jwt.ts';
import { loadConfig } from '../src/config.ts';

const SECRET = 'auth-test-secret-0123456789abcdefghij';
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'auth-test-api';

/** An app with two extra routes: one needing the `admin` role, one public. */
async function authApp(env: Record<string, string>): Promise<App> {
  const app = await buildApp(
    loadConfig({
      NODE_ENV: 'test',
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      RATE_LIMIT_MAX: '1000',
      ...env,
    }),
  );
  app.get('/test/me', async (request) => ({ sub: request.user?.sub, roles: request.user?.roles }));
  app.get('/test/admin', { preHandler: app.requireRole('admin') }, async () => ({ ok: true }));
  app.get('/test/public', { config: { auth: false } }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with `secret`; `claims` override the defaults (a valid admin token for 5 minutes). */
function hs256(claims: Record<string, unknown>, secret = SECRET) {
  const defaults = {
    sub: 'alice',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 300,
    roles: ['admin'],
  };
  return new SignJWT({ ...defaults, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

function expect401(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
}

describe('auth with an HS256 secret', () => {
  let app: App;
  beforeAll(async () => {
    app = await authApp({ AUTH_JWT_SECRET: SECRET, AUTH_CLOCK_SKEW_S: '5' });
  });
  afterAll(() => app.close());

  const get = (url: string, token?: string) =>
    app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('accepts a valid token and exposes the subject and roles', async () => {
    const response = await get('/test/me', await hs256({ roles: ['admin', 'reader'] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sub: 'alice', roles: ['admin', 'reader'] });
  });

  it('refuses a missing or malformed Authorization header', async () => {
    expect401(await get('/test/me'));
    expect401(await app.inject({ url: '/test/me', headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } }));
    expect401(await get('/test/me', 'not-a-jwt'));
  });

  it('refuses alg none', async () => {
    const payload = { sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 300, roles: ['admin'] };
    expect401(await get('/test/me', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`));
    expect401(await get('/test/me', `${b64({ alg: 'none' })}.${b64(payload)}.c2lnbmF0dXJl`));
  });

  it('refuses a forged signature and a tampered payload', async () => {
    expect401(await get('/test/me', await hs256({}, 'another-secret-0123456789abcdefghijkl')));
    const [header, , signature] = (await hs256({ roles: [] })).split('.');
    const tampered = b64({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 300, roles: ['admin'] });
    expect401(await get('/test/admin', `${header}.${tampered}.${signature}`));
  });

  it('refuses expired, not-yet-valid, wrong-audience and wrong-issuer tokens, within the clock skew', async () => {
    const expired = await get('/test/me', await hs256({ exp: now() - 60 }));
    expect401(expired);
    expect(expired.json()).toMatchObject({ detail: 'token expired' });
    // 3 s past expiry is inside the 5 s skew
    expect((await get('/test/me', await hs256({ exp: now() - 3 }))).statusCode).toBe(200);
    const early = await get('/test/me', await hs256({ nbf: now() + 60 }));
    expect401(early);
    expect(early.json()).toMatchObject({ detail: 'token not yet valid' });
    expect401(await get('/test/me', await hs256({ aud: 'someone-else' })));
    expect401(await get('/test/me', await hs256({ iss: 'https://evil.test' })));
  });

  it('treats the auth scheme case-insensitively (RFC 9110 §11.1)', async () => {
    const token = await hs256({});
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const response = await app.inject({
        url: '/test/me',
        headers: { authorization: `${scheme} ${token}` },
      });
      expect(response.statusCode).toBe(200);
    }
  });

  it('refuses a token issued in the future beyond the clock skew, accepts one within it', async () => {
    expect401(await get('/test/me', await hs256({ iat: now() + 3_600, exp: now() + 7_200 })));
    expect((await get('/test/me', await hs256({ iat: now() + 3 }))).statusCode).toBe(200);
  });

  it('requires exp and sub', async () => {
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(new TextEncoder().encode(SECRET));
    expect401(await get('/test/me', noExp));
  });

  it('answers 403 problem+json without the required role', async () => {
    const response = await get('/test/admin', await hs256({ roles: ['reader'] }));
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await get('/test/admin', await hs256({ roles: ['admin'] }))).statusCode).toBe(200);
  });

  it('keeps probes, docs and public routes open, and unknown routes 404', async () => {
    expect((await get('/health')).statusCode).toBe(200);
    expect((await get('/ready')).statusCode).toBe(200);
    expect((await get('/metrics')).statusCode).toBe(200);
    expect((await get('/docs/json')).statusCode).toBe(200);
    expect((await get('/test/public')).statusCode).toBe(200);
    expect((await get('/nope')).statusCode).toBe(404);
    expect401(await get('/v1/info'));
  });
});

describe('auth with a JWKS (RS256 and ES256)', () => {
  let app: App;
  let server: Server;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    app = await authApp({
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    });
  });
  afterAll(async () => {
    await app.close();
    server.close();
  });

  function signed(alg: 'RS256' | 'ES256', kid: string, claims: Record<string, unknown> = {}) {
    const key = alg === 'RS256' ? rsa.privateKey : ec.privateKey;
    return new SignJWT({ realm_access: { roles: ['admin'] }, ...claims })
      .setProtectedHeader({ alg, kid })
      .setSubject('bob')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(key);
  }
  const get = (url: string, token: string) =>
    app.inject({ url, headers: { authorization: `Bearer ${token}` } });

  it('accepts RS256 and ES256 tokens from the identity provider, with roles from a nested claim', async () => {
    expect((await get('/test/admin', await signed('RS256', 'rsa-1'))).statusCode).toBe(200);
    const me = await get('/test/me', await signed('ES256', 'ec-1'));
    expect(me.json()).toEqual({ sub: 'bob', roles: ['admin'] });
  });

  it('refuses algorithm confusion: an HS256 token signed with the public key', async () => {
    const publicPem = await exportSPKI(rsa.publicKey);
    const confused = await new SignJWT({ realm_access: { roles: ['admin'] } })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicPem));
    expect401(await get('/test/me', confused));
  });

  it('refuses a token signed by an unknown key', async () => {
    const other = await generateKeyPair('RS256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(other.privateKey);
    expect401(await get('/test/me', token));
  });
});

describe('readRoles', () => {
  it('reads arrays, space-separated strings and dotted paths', () => {
    expect(readRoles({ roles: ['a', 'b', 3] }, 'roles')).toEqual(['a', 'b']);
    expect(readRoles({ scope: 'read write' }, 'scope')).toEqual(['read', 'write']);
    expect(readRoles({ realm_access: { roles: ['x'] } }, 'realm_access.roles')).toEqual(['x']);
    expect(readRoles({}, 'roles')).toEqual([]);
  });
});
