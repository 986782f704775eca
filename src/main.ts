/**
 * Entry point: .env → config → port → app (database, services, migrations) → running;
 * SIGTERM/SIGINT → graceful stop → exit 0. A start-up check that fails prints one line naming
 * the part and exits 78 (EX_CONFIG), like a bad variable (README: "Start-up").
 */
import { ConfigError, loadConfig, loadEnvFile, type Config } from './config.js';
import { createLogger } from './lib/logger.js';
import { EXIT_CONFIG, StartupError } from './startup/errors.js';
import { bindHttpServer } from './startup/port.js';

/** Command-line flags of `npm start -- …`; each is the same as its variable. */
const FLAGS: Record<string, Record<string, string>> = {
  '--demo': { DEMO: '1' },
  '--rotate-demo-key': { DEMO_ROTATE_KEY: '1' },
};

const USAGE = `Usage: npm start [-- --demo] [-- --rotate-demo-key]

Starts paypulse as the environment (and .env) configures it: README "Configuration".
  --demo              run the traffic simulator (DEMO=1)
  --rotate-demo-key   revoke the demo merchant's API key and print a new one (DEMO_ROTATE_KEY=1)
  -h, --help          this text
`;

function configure(): Config {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  loadEnvFile();
  const unknown = args.filter((a) => !(a in FLAGS));
  if (unknown.length > 0) throw new ConfigError(`Unknown argument ${unknown.join(' ')}\n\n${USAGE}`);
  return loadConfig(Object.assign({}, process.env, ...args.map((a) => FLAGS[a])));
}

async function main(): Promise<void> {
  const config = configure();
  const logger = createLogger({ level: config.logLevel });
  const server = await bindHttpServer(config.host, config.port);
  // Loaded only now: a bad variable or a busy port is reported before the whole app is compiled and loaded.
  const { createApp } = await import('./app.js');
  const app = await createApp(config, { logger, server });
  const { url, demo } = await app.start();
  logger.info({ url, database: config.database.kind, pubsub: app.infra.pubsub.kind, demo: config.demo.simulate }, 'paypulse started');

  // The banner goes to stderr so stdout stays pure JSON logs.
  const lines = [
    '',
    `  paypulse is running — GraphiQL: ${url}${config.exposure.graphiql ? '' : ' (GraphiQL is off: GRAPHIQL=1 serves it)'}`,
    `  live dashboard: ${new URL('/dashboard', url).toString()}${demo ? ' (offers the demo merchant)' : ''}`,
    `  database: ${config.database.kind === 'pglite' ? `PGlite (${config.database.dataDir})` : 'PostgreSQL'} · pubsub: ${app.infra.pubsub.kind}${config.demo.simulate ? ' · demo simulator on' : ''}`,
  ];
  if (demo) {
    lines.push(
      `  demo merchant: ${demo.merchantId}`,
      `  merchant token (${demo.tokenTtlSeconds / 3600} h), for GraphiQL headers: {"Authorization": "Bearer ${demo.token}"}`,
      demo.apiKeyCreated
        ? `  API key (new; kept across restarts, --rotate-demo-key makes another): ${demo.apiKey}`
        : `  API key (the same as the last start; --rotate-demo-key makes another): ${demo.apiKey}`,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    hardStop.unref();
    app.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(EXIT_CONFIG);
  }
  if (error instanceof StartupError) {
    console.error(error.line());
    process.exit(EXIT_CONFIG);
  }
  console.error(error);
  process.exit(1);
});
