/** Entry point: config → app → start; SIGTERM/SIGINT → graceful stop → exit 0. */
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';

async function main(): Promise<void> {
  let config;
  try {
    const args = process.argv.slice(2);
    config = loadConfig(args.includes('--demo') ? { ...process.env, DEMO: '1' } : process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const app = await createApp(config, { logger });
  const { url, demo } = await app.start();
  logger.info({ url, database: config.database.kind, pubsub: app.services.pubsub.kind, demo: config.demo.simulate }, 'paypulse started');

  // The banner goes to stderr so stdout stays pure JSON logs.
  const lines = [
    '',
    `  paypulse is running — GraphiQL: ${url}`,
    `  live dashboard: ${new URL('/dashboard', url).toString()}${demo ? ' (offers the demo merchant)' : ''}`,
    `  database: ${config.database.kind === 'pglite' ? `PGlite (${config.database.dataDir})` : 'PostgreSQL'} · pubsub: ${app.services.pubsub.kind}${config.demo.simulate ? ' · demo simulator on' : ''}`,
  ];
  if (demo) {
    lines.push(
      `  demo merchant: ${demo.merchantId}`,
      `  merchant token (24 h), for GraphiQL headers: {"Authorization": "Bearer ${demo.token}"}`,
      `  API key (shown once): ${demo.apiKey}`,
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
  console.error(error);
  process.exit(1);
});
