import { createSecretKey } from 'node:crypto';
import {
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { type Config, ConfigError } from '../config.ts';

/**
 * Used when AUTH_JWT_SECRET and AUTH_JWKS_URL are both unset, outside production only. It contains the
 * `change-me` placeholder, so a production configuration that copied it is refused at start-up.
 */
export const DEVELOPMENT_SECRET = 'development-only-jwt-secret-change-me-0123456789';

export type AuthSettings = {
  /** HS256 shared secret; unset when a JWKS is used. */
  secret?: string;
  /** JWKS URL (RS256/ES256); takes precedence over the secret. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
  clockSkewS: number;
  rolesClaim: string;
};

export type Principal = { sub: string; roles: string[]; claims: JWTPayload };

/** Why a token was refused; `unavailable` means the identity provider could not be reached (503, not 401). */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly unavailable: boolean;
  constructor(message: string, unavailable = false) {
    super(message);
    this.unavailable = unavailable;
  }
}

export function authSettings(config: Config): AuthSettings {
  const jwksUrl = config.AUTH_JWKS_URL;
  let secret = config.AUTH_JWT_SECRET;
  if (jwksUrl === undefined && secret === undefined) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError(
        'Invalid environment:\n  AUTH_JWKS_URL or AUTH_JWT_SECRET: one is required in production',
      );
    }
    secret = DEVELOPMENT_SECRET;
  }
  return {
    ...(jwksUrl === undefined ? { secret } : { jwksUrl }),
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE || config.serviceName,
    clockSkewS: config.AUTH_CLOCK_SKEW_S,
    rolesClaim: config.AUTH_ROLES_CLAIM,
  };
}

/** Reads roles from a (dotted) claim holding an array of strings or a space-separated string. */
export function readRoles(payload: JWTPayload, claim: string): string[] {
  let value: unknown = payload;
  for (const part of claim.split('.')) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (typeof value === 'string') return value.split(' ').filter((role) => role.length > 0);
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  return [];
}

function describe(error: unknown): AuthError {
  if (error instanceof joseErrors.JWTExpired) return new AuthError('token expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new AuthError(error.claim === 'nbf' ? 'token not yet valid' : `invalid claim ${error.claim}`);
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new AuthError('identity provider keys unavailable', true);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new AuthError('token algorithm not allowed');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError('invalid signature');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return new AuthError('no matching signing key');
  if (error instanceof joseErrors.JOSEError) return new AuthError('invalid token');
  // fetch failures of the JWKS endpoint surface as plain errors
  return new AuthError('identity provider keys unavailable', true);
}

/**
 * Returns a verifier for bearer tokens. The accepted algorithms are pinned by key type (HS256 for a shared
 * secret, RS256/ES256 for a JWKS), which is what defeats `alg: none` and algorithm-confusion attacks; issuer,
 * audience, exp and nbf are checked with a bounded clock tolerance, and `exp` and `sub` are required.
 */
export function createVerifier(settings: AuthSettings): (token: string) => Promise<Principal> {
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: settings.clockSkewS,
    requiredClaims: ['exp', 'sub'],
  };
  let verify: (token: string) => Promise<JWTPayload>;
  if (settings.jwksUrl !== undefined) {
    const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: 5_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
    });
    verify = async (token) =>
      (await jwtVerify(token, keys, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
  } else {
    // Imported into WebCrypto once: jose uses a CryptoKey as is, but re-imports a Uint8Array (or a secret
    // KeyObject) on every verification, which was ~15% of the CPU with auth on.
    const key = createSecretKey(new TextEncoder().encode(settings.secret)).toCryptoKey(
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    verify = async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      throw describe(error);
    }
    // jose checks `iat` only against a maximum age; a token minted in the future (a wrong clock, or forged with a
    // leaked key to outlive its rotation) is refused beyond the tolerated skew.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + settings.clockSkewS) {
      throw new AuthError('token issued in the future');
    }
    return { sub: payload.sub ?? '', roles: readRoles(payload, settings.rolesClaim), claims: payload };
  };
}

/** Mints an HS256 token with the configured issuer and audience (development and tests; see `npm run token`). */
export async function mintToken(
  settings: AuthSettings,
  claims: { sub: string; roles?: string[]; ttlS?: number; [claim: string]: unknown },
): Promise<string> {
  if (settings.secret === undefined) {
    throw new Error(
      'Minting needs AUTH_JWT_SECRET (or the development secret); JWKS tokens come from the identity provider',
    );
  }
  const { sub, roles = [], ttlS = 3_600, ...extra } = claims;
  const body: Record<string, unknown> = { ...extra };
  // The roles claim may be a dotted path (realm_access.roles): nest it accordingly.
  const path = settings.rolesClaim.split('.');
  let target = body;
  for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
  target[path.at(-1) ?? 'roles'] = roles;
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(new TextEncoder().encode(settings.secret));
}
