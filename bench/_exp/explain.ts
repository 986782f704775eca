import pg from 'pg';
const captured: { text: string; values: unknown[] }[] = [];
let capture = false;
const orig = pg.Client.prototype.query as any;
(pg.Client.prototype as any).query = function (this: any, ...args: any[]) {
  const cfg = args[0];
  if (capture && typeof cfg === 'object' && cfg?.text && /^\s*WITH/.test(cfg.text)) captured.push({ text: cfg.text, values: cfg.values });
  return orig.apply(this, args);
};
const { createApp } = await import('../../src/app.js');
const { loadConfig } = await import('../../src/config.js');
const { createBenchDatabase } = await import('../support.js');
const { benchEvent } = await import('../workload.js');
const db = await createBenchDatabase();
const app = await createApp(loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, NOTIFICATIONS_WORKER: 'false' }));
await app.start();
await app.domain.merchants.ensure({ id: 'm_prof', name: 'Profile', timezone: 'UTC' });
for (let b = 0; b < 10; b++) await app.infra.pipeline.ingest(Array.from({ length: 1000 }, (_, i) => benchEvent(b * 1000 + i, 'warm', 'm_prof')), { source: 'api' });
capture = true;
const B = 10;
const rawClient = new pg.Client({ connectionString: db.url });
await rawClient.connect();
// capture and explain the next batch's statements before running it for real
const batch = Array.from({ length: 1000 }, (_, i) => benchEvent(B * 1000 + i, 'warm', 'm_prof'));
await rawClient.query('BEGIN');
await app.infra.pipeline.ingest(batch, { source: 'api' }).catch(() => {});
capture = false;
await rawClient.query('ROLLBACK');
console.log('captured', captured.length);
await app.stop();
const c2 = new pg.Client({ connectionString: db.url }); await c2.connect();
// re-run each captured WITH in order in one transaction under EXPLAIN ANALYZE, against the state before the batch: delete the batch first
await c2.query('BEGIN');
await c2.query(`DELETE FROM payment_events WHERE event_id = ANY($1)`, [batch.map((e) => e.eventId)]);
for (const q of captured) {
  const r = await c2.query({ text: 'EXPLAIN (ANALYZE, TIMING ON) ' + q.text, values: q.values });
  const lines = r.rows.map((x: any) => x['QUERY PLAN']);
  console.log('=====', q.text.replace(/\s+/g, ' ').slice(0, 60));
  console.log(lines.filter((l: string) => /actual time=\d+\.\d+\.\.(\d{2,}|[3-9])\./.test(l) || /Execution|Planning/.test(l)).join('\n'));
}
await c2.query('ROLLBACK'); await c2.end(); await rawClient.end();
await db.drop();
