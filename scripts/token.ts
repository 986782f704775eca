/**
 * Prints a development JWT signed with JWT_SECRET (or the built-in dev secret):
 *   npm run token -- --role merchant --merchant m_demo [--sub alice] [--ttl 3600]
 */
import { parseArgs } from 'node:util';
import { signToken } from '../src/auth/jwt.js';
import { ROLES, type Role } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'merchant' },
    merchant: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

const role = values.role as Role;
if (!ROLES.includes(role)) {
  console.error(`--role must be one of ${ROLES.join(', ')}`);
  process.exit(2);
}
if ((role === 'merchant' || role === 'vendor') && !values.merchant) {
  console.error(`--merchant <id> is required for role ${role}`);
  process.exit(2);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error('--ttl must be a positive number of seconds');
  process.exit(2);
}
const config = loadConfig();
if (!config.auth.secret) {
  console.error('JWKS_URL is set: tokens come from your identity provider, not from this script');
  process.exit(2);
}
const token = await signToken(config.auth, {
  sub: values.sub ?? `dev-${role}`,
  role,
  merchantId: values.merchant,
  expiresInSeconds: ttl,
});
console.log(token);
