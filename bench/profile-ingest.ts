/**
 * A CPU profile of the ingest pipeline, called directly with batches of 1000 on PostgreSQL:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import ./scripts/ts-loader.mjs bench/profile-ingest.ts [--batches 10]
 *   node bench/profile-top.mjs /tmp/prof/<file>.cpuprofile
 */
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createBenchDatabase } from './support.js';
import { benchEvent } from './workload.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '10' }, size: { type: 'string', default: '1000' } } });
const db = await createBenchDatabase();
const app = await createApp(loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, NOTIFICATIONS_WORKER: 'false' }));
await app.start();
await app.domain.merchants.ensure({ id: 'm_prof', name: 'Profile', timezone: 'UTC' });
const size = Number(values.size);
const start = performance.now();
for (let b = 0; b < Number(values.batches); b++) {
  const batch = Array.from({ length: size }, (_, i) => benchEvent(b * size + i, 'prof', 'm_prof'));
  const r = await app.infra.pipeline.ingest(batch, { source: 'api' });
  if (r.ingested !== size) throw new Error(`ingested ${r.ingested} of ${size}`);
}
const seconds = (performance.now() - start) / 1000;
console.log(`${((Number(values.batches) * size) / seconds).toFixed(0)} events/s`);
await app.stop();
await db.drop();
