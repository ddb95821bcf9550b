/**
 * Mints a development bearer token signed with AUTH_JWT_SECRET (or the built-in development secret), for the
 * configured issuer and audience:
 *
 *   npm run token -- --sub alice --roles items:write,admin --ttl 3600
 *   curl -H "Authorization: Bearer $(npm run -s token)" http://localhost:8080/v1/items
 */
import { parseArgs } from 'node:util';
import { authSettings, mintToken } from '../src/auth/jwt.ts';
import { loadConfig } from '../src/config.ts';

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'developer' },
    roles: { type: 'string', default: 'items:write' },
    ttl: { type: 'string', default: '3600' },
  },
});

const config = loadConfig();
if (config.NODE_ENV === 'production') {
  console.error('npm run token is for development: production tokens come from the identity provider');
  process.exit(1);
}
const token = await mintToken(authSettings(config), {
  sub: values.sub,
  roles: values.roles.split(',').filter((role) => role.length > 0),
  ttlS: Number(values.ttl),
});
console.log(token);
