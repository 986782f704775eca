/**
 * Prints a development JWT signed with JWT_SECRET (or the built-in dev secret). Usage: USAGE below.
 */
import { parseArgs } from 'node:util';
import { signToken } from '../src/auth/jwt.js';
import { ROLES, type Role } from '../src/auth/principal.js';
import { ConfigError, loadConfig, loadEnvFile } from '../src/config.js';

const USAGE = `Usage: npm run token -- [--role <role>] [--merchant <id>] [--sub <subject>] [--ttl <seconds>]

Prints a JWT signed with JWT_SECRET (HS256; the built-in development secret when unset), with the
issuer and audience the server expects (JWT_ISSUER, JWT_AUDIENCE), read from the environment or .env.

  --role <role>      ${ROLES.join(' | ')} (default: merchant)
  --merchant <id>    the merchant_id claim; required for merchant and vendor (e.g. m_demo)
  --sub <subject>    the sub claim (default: dev-<role>)
  --ttl <seconds>    lifetime (default: 3600, one hour; the start-up banner's token lasts 24 h)
  -h, --help         this text

  TOKEN=$(npm run --silent token -- --merchant m_demo)
`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      role: { type: 'string', default: 'merchant' },
      merchant: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const role = values.role as Role;
if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
if ((role === 'merchant' || role === 'vendor') && !values.merchant) fail(`--merchant <id> is required for role ${role}`);
const ttl = Number(values.ttl);
if (!/^\d+$/.test(values.ttl) || !Number.isSafeInteger(ttl) || ttl <= 0) fail('--ttl must be a positive whole number of seconds');

let config;
try {
  loadEnvFile();
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78);
}
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
