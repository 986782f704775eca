/**
 * The RabbitMQ source under failure, against the real broker, PostgreSQL and Redis: a server
 * SIGKILLed mid-stream and restarted, the broker connection cut mid-stream (a TCP proxy resets it
 * and refuses reconnection for a while), and instances joining and leaving while they share the
 * shards. Whatever happens, every published event is stored exactly once, in publish order per
 * merchant, with contiguous merchant sequences, and nothing valid is dead-lettered.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { killGroup, liveInGroup, spawnServer, stopServer, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, describeWith, RABBITMQ_URL, REDIS_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { v1, v2 } from '../kafka/support.js';
import { startTcpProxy, type TcpProxy } from '../kafka/tcp-proxy.js';
import { deleteTopology, metric, queueDepth, rabbitEnv, rabbitNames, rawPublisher, type Publisher, type RabbitNames } from './support.js';

/** Generous: a 2-core machine shared with other test runs. */
const WAIT_MS = 60_000;
const LONG_WAIT_MS = 180_000;
/** Small chunks make consumption slow enough to interrupt mid-stream. */
const SLOW = { RABBITMQ_BATCH_SIZE: '20', RABBITMQ_PREFETCH: '100' };

interface Produced {
  merchantId: string;
  eventId: string;
  body: string;
  messageId: string;
}

/** `count` valid events spread round-robin over `merchants`, alternating v2 and v1 envelopes. */
function makeEvents(merchants: readonly string[], count: number): Produced[] {
  return Array.from({ length: count }, (_, i) => {
    const merchantId = merchants[i % merchants.length]!;
    const eventId = `rr-${i}-${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify(i % 2 === 0 ? v2(merchantId, eventId) : v1(merchantId, eventId));
    return { merchantId, eventId, body, messageId: randomUUID() };
  });
}

function newMerchants(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `rr${i}_${randomUUID().slice(0, 6)}`);
}

async function storedCount(db: pg.Pool, merchants: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment_events WHERE merchant_id = ANY($1)', [merchants]);
  return Number(rows[0]!.n);
}

/** Stored or dead-lettered: what the consumers have handled (waits end on either, so the assertions report dead letters). */
async function handledCount(db: pg.Pool, merchants: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM dead_letters');
  return (await storedCount(db, merchants)) + Number(rows[0]!.n);
}

/** Closes, from the broker's side, every connection whose client-given name starts with `prefix`; returns how many. */
function closeConnections(prefix: string, reason: string): number {
  const listing = execFileSync('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q', '--no-table-headers']).toString();
  const pids = listing
    .split('\n')
    // `<pid>\t[{"connection_name","<name>"},…]`: the prefix holds the test's unique queue name.
    .filter((line) => line.includes(`{"connection_name","${prefix}`))
    .map((line) => line.split('\t')[0]!)
    .filter((pid) => pid.startsWith('<'));
  for (const pid of pids) execFileSync('rabbitmqctl', ['close_connection', pid, reason]);
  return pids.length;
}

/** Messages in the shard queues, ready or unacknowledged. */
async function inQueues(names: RabbitNames): Promise<{ ready: number; consumers: number }> {
  const conn = await amqp.connect(RABBITMQ_URL);
  try {
    const ch = await conn.createChannel();
    let ready = 0;
    let consumers = 0;
    for (let shard = 0; shard < names.shards; shard++) {
      const q = await ch.checkQueue(`${names.queue}.${shard}`);
      ready += q.messageCount;
      consumers += q.consumerCount;
    }
    return { ready, consumers };
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Every published id stored once, in publish order per merchant, contiguous sequences, heads at n, nothing dead-lettered. */
async function expectStoredExactlyOnce(db: pg.Pool, names: RabbitNames, produced: readonly Produced[]): Promise<void> {
  const merchants = [...new Set(produced.map((p) => p.merchantId))];
  const { rows } = await db.query<{ merchant_id: string; event_id: string; seq: string }>(
    'SELECT merchant_id, event_id, merchant_seq::text AS seq FROM payment_events WHERE merchant_id = ANY($1) ORDER BY merchant_id, merchant_seq',
    [merchants],
  );
  expect(rows).toHaveLength(produced.length);
  expect(new Set(rows.map((r) => `${r.merchant_id}/${r.event_id}`))).toEqual(new Set(produced.map((p) => `${p.merchantId}/${p.eventId}`)));

  const heads = await db.query<{ id: string; last_event_seq: string }>('SELECT id, last_event_seq::text FROM merchants WHERE id = ANY($1)', [merchants]);
  for (const id of merchants) {
    const mine = produced.filter((p) => p.merchantId === id);
    const stored = rows.filter((r) => r.merchant_id === id);
    expect(stored.map((r) => Number(r.seq)), `merchant_seq of ${id}`).toEqual(Array.from({ length: mine.length }, (_, i) => i + 1));
    expect(stored.map((r) => r.event_id), `${id}'s events in publish order`).toEqual(mine.map((p) => p.eventId));
    expect(heads.rows.find((h) => h.id === id)?.last_event_seq, `last_event_seq of ${id}`).toBe(String(mine.length));
  }

  const letters = await db.query('SELECT topic, error_code, error_message FROM dead_letters LIMIT 5');
  expect(letters.rows, 'dead letters').toEqual([]);
  expect(await queueDepth(names.dlq), 'messages in the dead-letter queue').toBe(0);
}

/** Runs migrations, declares the topology and creates the merchants through an app that does not consume. */
async function prepare(databaseUrl: string, names: RabbitNames, merchants: readonly string[]): Promise<void> {
  const setup = await startTestApp({ mode: 'services', databaseUrl, env: rabbitEnv(names, { RABBITMQ_CONSUMER: '0' }) });
  try {
    for (const id of merchants) await setup.createMerchant(id);
  } finally {
    await setup.stop();
  }
}

/** Counts the events an app's pipeline newly stored, per merchant (a spy around the pipeline object the consumer calls). */
function trackIngests(t: TestApp) {
  const pipeline = t.pipeline;
  const ingest = pipeline.ingest.bind(pipeline);
  const stored = new Map<string, number>();
  pipeline.ingest = async (inputs, options) => {
    const result = await ingest(inputs, options);
    for (const item of result.items) if (item.status === 'ingested') stored.set(item.event.merchantId, (stored.get(item.event.merchantId) ?? 0) + 1);
    return result;
  };
  return { total: () => [...stored.values()].reduce((n, c) => n + c, 0) };
}

await describeWith(['postgres', 'redis', 'rabbitmq'], 'RabbitMQ event source resilience', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // Reverse order: apps and processes before the databases and queues they use.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  async function freshDatabase() {
    const database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {});
    cleanups.push(async () => {
      await pool.end();
      await database.drop();
    });
    return { url: database.url, pool };
  }

  async function topology(): Promise<{ names: RabbitNames; publisher: Publisher }> {
    const names = rabbitNames();
    cleanups.push(() => deleteTopology(names));
    const p = await rawPublisher(names);
    cleanups.push(() => p.close());
    return { names, publisher: p };
  }

  it(
    'stores every event exactly once, in order, when the server is SIGKILLed mid-stream and restarted',
    async () => {
      const db = await freshDatabase();
      const { names, publisher } = await topology();
      const merchants = newMerchants(6);
      await prepare(db.url, names, merchants);
      const produced = makeEvents(merchants, 3_000);
      await publisher.publish(produced);

      const servers: ServerProcess[] = [];
      cleanups.push(async () => {
        for (const s of servers) await stopServer(s);
      });
      const env = {
        DATABASE_URL: db.url,
        REDIS_URL,
        PORT: '0',
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        DEMO_MERCHANT: '0',
        LOG_LEVEL: 'info',
        ...rabbitEnv(names, SLOW),
      };

      const first = spawnServer(env);
      servers.push(first);
      await waitUntil(
        async () => {
          if (first.proc.exitCode !== null) throw new Error(`the first server exited early (${first.proc.exitCode}):\n${first.log()}`);
          return (await storedCount(db.pool, merchants)) >= 300;
        },
        LONG_WAIT_MS,
        () => `the first server stored 300 events\n${first.log()}`,
      );
      killGroup(first, 'SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await waitUntil(() => liveInGroup(first.proc.pid!).length === 0, WAIT_MS, () => `processes of the first server still alive: ${liveInGroup(first.proc.pid!).join(', ')}`);
      const atKill = await storedCount(db.pool, merchants);
      expect(atKill, 'stored when killed (all stored: the server was too fast to interrupt)').toBeLessThan(produced.length);
      // The broker returned the dead consumer's unacknowledged messages; what it acknowledged was stored first.
      await waitUntil(async () => (await inQueues(names)).consumers === 0, WAIT_MS, () => 'the broker dropped the killed consumers');
      const acked = produced.length - (await inQueues(names)).ready;
      expect(acked, 'messages acknowledged by the killed server').toBeLessThanOrEqual(atKill);

      const second = spawnServer(env);
      servers.push(second);
      await waitUntil(
        async () => {
          if (second.proc.exitCode !== null) throw new Error(`the second server exited early (${second.proc.exitCode}):\n${second.log()}`);
          return (await handledCount(db.pool, merchants)) >= produced.length;
        },
        LONG_WAIT_MS,
        () => `the second server stored everything\n${second.log()}`,
      );
      await expectStoredExactlyOnce(db.pool, names, produced);

      // The restarted server saw the killed one's stored-but-unacknowledged messages again, as duplicates.
      const url = second.url()!;
      const read = async (name: string, labels = '') => {
        const text = await (await fetch(url.replace('/graphql', '/metrics'))).text();
        const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
        return line ? Number(line.split(' ').at(-1)) : 0;
      };
      const figures = {
        published: produced.length,
        storedWhenKilled: atKill,
        acknowledgedWhenKilled: acked,
        stored: await storedCount(db.pool, merchants),
        storedBySecond: await read('paypulse_rabbitmq_messages_total', 'outcome="ingested"'),
        duplicatesSeenBySecond: await read('paypulse_rabbitmq_messages_total', 'outcome="duplicate"'),
        redeliveredToSecond: await read('paypulse_rabbitmq_redelivered_total'),
        deadLettered: await read('paypulse_rabbitmq_messages_total', 'outcome="dead_lettered"'),
      };
      console.log(`[rabbitmq crash test] ${JSON.stringify(figures)}`);
      expect(figures.storedBySecond).toBe(produced.length - atKill);
      expect(figures.duplicatesSeenBySecond).toBe(atKill - acked);
      expect(figures.deadLettered).toBe(0);
    },
    420_000,
  );

  it(
    'reconnects after the broker connection is cut mid-stream and refused for a while, storing every event exactly once',
    async () => {
      const db = await freshDatabase();
      const { names, publisher } = await topology();
      const target = new URL(RABBITMQ_URL);
      const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(RABBITMQ_URL);
      viaProxy.port = String(proxy.port);

      const t = await startTestApp({ mode: 'services', databaseUrl: db.url, env: rabbitEnv(names, { ...SLOW, RABBITMQ_URL: viaProxy.toString() }) });
      cleanups.push(() => t.stop());
      const merchants = newMerchants(6);
      for (const id of merchants) await t.createMerchant(id);
      await waitUntil(async () => (await metric(t, 'paypulse_rabbitmq_shards_owned')) === names.shards, WAIT_MS, () => 'holds every shard');

      const produced = makeEvents(merchants, 1_500);
      await publisher.publish(produced);
      await waitUntil(async () => (await storedCount(db.pool, merchants)) >= 150, WAIT_MS, () => 'some events stored');

      proxy.cut();
      expect(await storedCount(db.pool, merchants), 'stored when cut (all stored: too fast to interrupt)').toBeLessThan(produced.length);
      await waitUntil(async () => (await t.app.readiness()).checks.rabbitmqConsumer === false, WAIT_MS, () => 'the app sees the broker gone');
      expect(await metric(t, 'paypulse_rabbitmq_consumer_connected')).toBe(0);
      await new Promise((r) => setTimeout(r, 3_000));
      const refused = proxy.stats.refused;
      proxy.restore();
      expect(proxy.stats.reset, 'connections reset by the cut').toBeGreaterThan(0);
      expect(refused, 'reconnection attempts refused while cut').toBeGreaterThan(0);

      await waitUntil(async () => (await handledCount(db.pool, merchants)) >= produced.length, LONG_WAIT_MS, () => 'every event stored after the cut');
      await expectStoredExactlyOnce(db.pool, names, produced);
      await waitUntil(async () => (await t.app.readiness()).ready, WAIT_MS, () => 'ready again');
      expect((await t.app.readiness()).checks).toMatchObject({ rabbitmqConsumer: true, rabbitmqPublisher: true });
      expect(await metric(t, 'paypulse_rabbitmq_reconnects_total', 'connection="consumer"')).toBeGreaterThanOrEqual(1);
      expect(await metric(t, 'paypulse_rabbitmq_consumer_connected')).toBe(1);
      console.log(
        `[rabbitmq connection cut] ${JSON.stringify({ published: produced.length, stored: await storedCount(db.pool, merchants), redelivered: await metric(t, 'paypulse_rabbitmq_redelivered_total'), duplicates: await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="duplicate"'), reconnects: await metric(t, 'paypulse_rabbitmq_reconnects_total', 'connection="consumer"') })}`,
      );
    },
    300_000,
  );

  it(
    'reconnects each time an operator closes the consumer connection (rabbitmqctl close_connection) mid-stream, storing every event exactly once',
    async () => {
      const db = await freshDatabase();
      const { names, publisher } = await topology();
      const t = await startTestApp({ mode: 'services', databaseUrl: db.url, env: rabbitEnv(names, SLOW) });
      cleanups.push(() => t.stop());
      const merchants = newMerchants(6);
      for (const id of merchants) await t.createMerchant(id);
      await waitUntil(async () => (await metric(t, 'paypulse_rabbitmq_shards_owned')) === names.shards, WAIT_MS, () => 'holds every shard');

      const produced = makeEvents(merchants, 1_500);
      await publisher.publish(produced);
      for (const threshold of [150, 500, 900]) {
        await waitUntil(async () => (await storedCount(db.pool, merchants)) >= threshold, LONG_WAIT_MS, () => `${threshold} events stored`);
        const before = await metric(t, 'paypulse_rabbitmq_reconnects_total', 'connection="consumer"');
        const closed = closeConnections(`paypulse-consumer:${names.queue}:`, 'paypulse test: operator closes the connection');
        expect(closed, 'consumer connections closed from the broker side').toBe(1);
        await waitUntil(async () => (await metric(t, 'paypulse_rabbitmq_reconnects_total', 'connection="consumer"')) > before, WAIT_MS, () => 'reconnected');
      }
      expect(await storedCount(db.pool, merchants), 'stored at the last close (all stored: too fast to interrupt)').toBeLessThan(produced.length);

      await waitUntil(async () => (await handledCount(db.pool, merchants)) >= produced.length, LONG_WAIT_MS, () => 'every event stored');
      await expectStoredExactlyOnce(db.pool, names, produced);
      await waitUntil(async () => (await t.app.readiness()).ready, WAIT_MS, () => 'ready again');
      expect(await metric(t, 'paypulse_rabbitmq_reconnects_total', 'connection="consumer"')).toBe(3);
      console.log(
        `[rabbitmq operator close x3] ${JSON.stringify({ published: produced.length, stored: await storedCount(db.pool, merchants), redelivered: await metric(t, 'paypulse_rabbitmq_redelivered_total'), duplicates: await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="duplicate"') })}`,
      );
    },
    300_000,
  );

  it(
    'shares the shards between instances, hands a leaving one\'s shards to the other and rebalances when one joins, storing every event exactly once',
    async () => {
      const db = await freshDatabase();
      const { names, publisher } = await topology();
      const apps: TestApp[] = [];
      cleanups.push(async () => {
        for (const app of apps) await app.stop().catch(() => {});
      });
      const start = async () => {
        const t = await startTestApp({ mode: 'services', databaseUrl: db.url, env: rabbitEnv(names, SLOW) });
        apps.push(t);
        return t;
      };
      const owned = (t: TestApp) => metric(t, 'paypulse_rabbitmq_shards_owned');
      const a = await start();
      const b = await start();
      const byA = trackIngests(a);
      const byB = trackIngests(b);
      await waitUntil(async () => (await owned(a)) === 2 && (await owned(b)) === 2, WAIT_MS, () => 'two shards each');
      expect(await metric(a, 'paypulse_rabbitmq_consumer_instances')).toBe(2);

      const merchants = newMerchants(12);
      for (const id of merchants) await a.createMerchant(id);
      const produced = makeEvents(merchants, 2_400);
      await publisher.publish(produced);
      await waitUntil(() => byA.total() > 0 && byB.total() > 0, WAIT_MS, () => `both stored some (a: ${byA.total()}, b: ${byB.total()})`);

      // b leaves: it finishes its chunks and hands its shards back; a takes them over.
      await b.stop();
      apps.splice(apps.indexOf(b), 1);
      const byBAtStop = byB.total();
      expect(await storedCount(db.pool, merchants), 'work left when b stopped').toBeLessThan(produced.length);
      await waitUntil(async () => (await owned(a)) === names.shards, WAIT_MS, () => 'a holds every shard');

      // c joins: a hands half of them to it.
      const c = await start();
      await waitUntil(async () => (await owned(a)) === 2 && (await owned(c)) === 2, WAIT_MS, () => 'a and c two shards each');

      await waitUntil(async () => (await handledCount(db.pool, merchants)) >= produced.length, LONG_WAIT_MS, () => 'every event stored');
      await expectStoredExactlyOnce(db.pool, names, produced);
      expect(byB.total(), 'nothing stored by b after it stopped').toBe(byBAtStop);
      // c may start consuming before a spy could be put on it: its own metric counts from its start.
      const byC = await metric(c, 'paypulse_rabbitmq_messages_total', 'outcome="ingested"');
      expect(byA.total() + byB.total() + byC, 'each event stored by exactly one instance').toBe(produced.length);
      console.log(`[rabbitmq shards] ${JSON.stringify({ published: produced.length, storedByA: byA.total(), storedByB: byB.total(), storedByC: byC })}`);
    },
    420_000,
  );
});
