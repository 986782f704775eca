/**
 * First merchant, token and API key for a fresh database (the PostgreSQL path, where no demo
 * merchant is seeded). Usage: USAGE below. It runs the same start-up checks and migrations as
 * the server, so it also works before the server ever started.
 */
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { ConfigError, loadConfig, loadEnvFile } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createLogger } from '../src/lib/logger.js';
import { isCurrency } from '../src/lib/currency.js';
import { isTimeZone, MerchantInputError } from '../src/merchants/service.js';
import { EXIT_CONFIG, StartupError } from '../src/startup/errors.js';
import { probePostgres } from '../src/startup/probes.js';

const USAGE = `Usage: npm run setup -- --merchant <id> [--name <name>] [--timezone <IANA zone>] [--currency <ISO 4217>] [--ttl <seconds>]

Migrates the database (DATABASE_URL, or PGlite in PGLITE_DATA_DIR), creates the merchant when it
does not exist (an existing one is left as it is), then prints a merchant token and a new API key
for it. Reads the environment and .env like the server.

  --merchant <id>      merchant id: 2-64 letters, digits, _ or - (required)
  --name <name>        display name (default: the id)
  --timezone <zone>    IANA time zone of its daily buckets (default: UTC)
  --currency <code>    default currency (default: KES)
  --ttl <seconds>      lifetime of the printed token (default: 86400, 24 h)
  -h, --help           this text

An admin token: npm run token -- --role admin
`;

function fail(message: string, code = 2): never {
  console.error(code === 2 ? `${message}\n\n${USAGE}` : message);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      merchant: { type: 'string' },
      name: { type: 'string' },
      timezone: { type: 'string', default: 'UTC' },
      currency: { type: 'string', default: 'KES' },
      ttl: { type: 'string', default: '86400' },
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
if (!values.merchant) fail('--merchant <id> is required');
// Checked before the database is touched (the merchant service checks them again).
if (!isTimeZone(values.timezone)) fail(`--timezone: ${values.timezone} is not an IANA time zone`);
if (!isCurrency(values.currency.toUpperCase())) fail(`--currency: ${values.currency} is not an ISO 4217 currency`);
const ttl = Number(values.ttl);
if (!/^\d+$/.test(values.ttl) || !Number.isSafeInteger(ttl) || ttl <= 0) fail('--ttl must be a positive whole number of seconds');

let config;
try {
  loadEnvFile();
  // No demo merchant here: this script makes the real one.
  config = loadConfig({ ...process.env, DEMO_MERCHANT: '0', DEMO: '0' });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(error.message, EXIT_CONFIG);
}
const logger = createLogger({ level: 'warn' });

try {
  if (config.database.kind === 'postgres') await probePostgres(config.database.url, config.startupTimeoutMs, logger);
  const app = await createApp(config, { logger });
  try {
    try {
      await migrate(app.infra.db, logger);
    } catch (error) {
      throw new StartupError('migrations', (error as Error).message, { cause: error });
    }
    const existing = await app.domain.merchants.get(values.merchant);
    const merchant =
      existing ??
      (await app.domain.merchants.create({ id: values.merchant, name: values.name ?? values.merchant, timezone: values.timezone, defaultCurrency: values.currency.toUpperCase() }));
    const { secret } = await app.domain.apiKeys.create({ merchantId: merchant.id, name: 'setup key', actor: 'system:setup' });
    const lines = [
      existing ? `merchant ${merchant.id} already exists (left unchanged: ${merchant.timezone}, ${merchant.defaultCurrency})` : `merchant ${merchant.id} created (${merchant.timezone}, ${merchant.defaultCurrency})`,
    ];
    if (config.auth.secret) {
      const token = await signToken(config.auth, { sub: `${merchant.id}-owner`, role: 'merchant', merchantId: merchant.id, expiresInSeconds: ttl });
      lines.push(`merchant token (${ttl} s): ${token}`);
    } else {
      lines.push('merchant token: JWKS_URL is set, so tokens come from your identity provider (role "merchant", merchant_id claim)');
    }
    lines.push(`API key (shown once; revoke with revokeApiKey): ${secret}`);
    console.log(lines.join('\n'));
  } finally {
    await app.stop();
  }
} catch (error) {
  if (error instanceof StartupError) fail(error.line(), EXIT_CONFIG);
  if (error instanceof MerchantInputError) fail(`--${error.field === 'defaultCurrency' ? 'currency' : error.field === 'id' ? 'merchant' : error.field}: ${error.message}`);
  throw error;
}
// Redis reconnect timers or pool sockets must not keep a finished script alive.
process.exit(0);
