/**
 * The Kafka source under failure, against the real broker, PostgreSQL and Redis: a server killed
 * mid-stream, a group member leaving mid-stream, and the database dropping every connection for
 * a few seconds. Whatever happens, every produced event is stored exactly once, each merchant's
 * sequence stays contiguous, and nothing valid is dead-lettered (consumer.ts's guarantees).
 */
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { createTestDatabase, describeWith, POSTGRES_URL, REDIS_URL } from '../support/services.js';
import { killGroup, liveInGroup, spawnServer, stopServer, type ServerProcess } from '../support/server-process.js';
import { waitUntil } from '../support/subscriptions.js';
import { kafkaEnv, kafkaNames, produceAll, rawProducer, testKafka, v1, v2 } from './support.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Generous: a 2-core machine shared with other test runs; a rejoin after a kill waits out the 30 s session. */
const WAIT_MS = 60_000;
const LONG_WAIT_MS = 180_000;
const PARTITIONS = 6;
/** Small chunks make consumption slow enough to interrupt mid-stream. */
const SLOW_BATCH = '20';

type KafkaNames = ReturnType<typeof kafkaNames>;

interface Produced {
  merchantId: string;
  eventId: string;
  message: Message;
}

/** `count` valid events spread round-robin over `merchants`, alternating v2 and v1 envelopes. */
function makeEvents(merchants: readonly string[], count: number, partitionOf?: (merchantId: string) => number): Produced[] {
  return Array.from({ length: count }, (_, i) => {
    const merchantId = merchants[i % merchants.length]!;
    const eventId = `r-${i}-${randomUUID().slice(0, 8)}`;
    const body = i % 2 === 0 ? v2(merchantId, eventId) : v1(merchantId, eventId);
    const message: Message = { key: merchantId, value: JSON.stringify(body), ...(partitionOf ? { partition: partitionOf(merchantId) } : {}) };
    return { merchantId, eventId, message };
  });
}

function newMerchants(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `rm${i}_${randomUUID().slice(0, 6)}`);
}

/** Rows stored for these merchants, read straight from PostgreSQL (not through the app). */
async function storedCount(db: pg.Pool, merchants: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment_events WHERE merchant_id = ANY($1)', [merchants]);
  return Number(rows[0]!.n);
}

/** Events stored or dead-lettered: what the consumer has handled (waits end on either, so the assertions report dead letters). */
async function handledCount(db: pg.Pool, merchants: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM dead_letters');
  return (await storedCount(db, merchants)) + Number(rows[0]!.n);
}

/** Messages below the group's committed offsets, summed over partitions. */
async function committedCount(kafka: Kafka, names: KafkaNames): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: names.groupId, topics: [names.topic] });
    return committed!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every produced id stored once, contiguous merchant sequences, heads at n, nothing dead-lettered. */
async function expectStoredExactlyOnce(db: pg.Pool, kafka: Kafka, names: KafkaNames, produced: readonly Produced[]): Promise<void> {
  const merchants = [...new Set(produced.map((p) => p.merchantId))];
  const { rows } = await db.query<{ merchant_id: string; event_id: string; merchant_seq: string }>(
    'SELECT merchant_id, event_id, merchant_seq::text FROM payment_events WHERE merchant_id = ANY($1)',
    [merchants],
  );
  expect(rows).toHaveLength(produced.length);
  expect(new Set(rows.map((r) => `${r.merchant_id}/${r.event_id}`))).toEqual(new Set(produced.map((p) => `${p.merchantId}/${p.eventId}`)));

  const heads = await db.query<{ id: string; last_event_seq: string }>('SELECT id, last_event_seq::text FROM merchants WHERE id = ANY($1)', [merchants]);
  for (const id of merchants) {
    const n = produced.filter((p) => p.merchantId === id).length;
    const seqs = rows.filter((r) => r.merchant_id === id).map((r) => Number(r.merchant_seq)).sort((x, y) => x - y);
    expect(seqs, `merchant_seq of ${id}`).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(heads.rows.find((h) => h.id === id)?.last_event_seq, `last_event_seq of ${id}`).toBe(String(n));
  }

  const letters = await db.query('SELECT "offset"::text, error_code, error_message FROM dead_letters LIMIT 5');
  expect(letters.rows, 'dead letters').toEqual([]);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const dlq = await admin.fetchTopicOffsets(names.dlqTopic);
    expect(dlq.reduce((n, p) => n + Number(p.offset), 0), 'messages on the dead-letter topic').toBe(0);
  } finally {
    await admin.disconnect();
  }
}

/** Runs migrations, creates the topics and the merchants through an app that does not consume. */
async function prepare(databaseUrl: string, names: KafkaNames, merchants: readonly string[]): Promise<void> {
  const setup = await startTestApp({ mode: 'services', databaseUrl, env: kafkaEnv(names, { KAFKA_CONSUMER: '0' }) });
  try {
    for (const id of merchants) await setup.createMerchant(id);
  } finally {
    await setup.stop();
  }
}

/** The group's members (by client id) and the partitions of `topic` each holds. */
async function describeGroup(admin: Admin, groupId: string, topic: string) {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0]!;
  const members = group.members.map((m) => {
    const decoded = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
    return { clientId: m.clientId, partitions: [...(decoded?.assignment[topic] ?? [])].sort((x, y) => x - y) };
  });
  return { state: group.state, members };
}

/** Counts the events an app's pipeline newly stored, per merchant (a spy around the shared pipeline object the consumer calls). */
function trackIngests(t: TestApp) {
  const pipeline = t.pipeline;
  const ingest = pipeline.ingest.bind(pipeline);
  const stored = new Map<string, number>();
  pipeline.ingest = async (inputs, options) => {
    const result = await ingest(inputs, options);
    for (const item of result.items) if (item.status === 'ingested') stored.set(item.event.merchantId, (stored.get(item.event.merchantId) ?? 0) + 1);
    return result;
  };
  return {
    of: (merchants: readonly string[]) => merchants.reduce((n, id) => n + (stored.get(id) ?? 0), 0),
    total: () => [...stored.values()].reduce((n, c) => n + c, 0),
  };
}

await describeWith(['postgres', 'redis', 'kafka'], 'Kafka event source resilience', () => {
  let kafka: Kafka;
  let producer: Producer;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    kafka = testKafka();
    producer = await rawProducer(kafka);
  });
  afterEach(async () => {
    // Reverse order: apps and processes before the databases they use.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });
  afterAll(async () => producer?.disconnect());

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

  it(
    'stores every event exactly once when the server is SIGKILLed mid-stream and a new one takes over',
    async () => {
      const names = kafkaNames();
      const db = await freshDatabase();
      const merchants = newMerchants(6);
      await prepare(db.url, names, merchants);
      const produced = makeEvents(merchants, 3_000);
      await produceAll(producer, names.topic, produced.map((p) => p.message));

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
        ...kafkaEnv(names, { KAFKA_BATCH_SIZE: SLOW_BATCH }),
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
      // Offsets are committed only after what they cover is stored (every message here is a distinct valid event).
      expect(await committedCount(kafka, names), 'offsets committed by the killed server').toBeLessThanOrEqual(atKill);

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

      await expectStoredExactlyOnce(db.pool, kafka, names, produced);
    },
    420_000,
  );

  it(
    'lets the other member of the group take over the partitions of one that stops, storing every event exactly once',
    async () => {
      const names = kafkaNames();
      const db = await freshDatabase();
      const apps: TestApp[] = [];
      cleanups.push(async () => {
        for (const t of apps) await t.stop().catch(() => {});
      });
      const start = async (clientId: string) => {
        const t = await startTestApp({ mode: 'services', databaseUrl: db.url, env: kafkaEnv(names, { KAFKA_CLIENT_ID: clientId, KAFKA_BATCH_SIZE: SLOW_BATCH }) });
        apps.push(t);
        return t;
      };
      const a = await start('paypulse-a');
      const b = await start('paypulse-b');
      const byA = trackIngests(a);
      const byB = trackIngests(b);
      const merchants = newMerchants(12);
      for (const id of merchants) await a.createMerchant(id);

      const admin = kafka.admin();
      await admin.connect();
      cleanups.push(() => admin.disconnect());
      await waitUntil(
        async () => {
          const [ra, rb] = await Promise.all([a.app.readiness(), b.app.readiness()]);
          if (!ra.checks.kafkaConsumer || !rb.checks.kafkaConsumer) return false;
          const group = await describeGroup(admin, names.groupId, names.topic);
          return group.state === 'Stable' && group.members.length === 2 && group.members.every((m) => m.partitions.length > 0);
        },
        WAIT_MS,
        () => 'both consumers ready, in one stable group, each with partitions',
      );
      const group = await describeGroup(admin, names.groupId, names.topic);
      const partitionsOf = (clientId: string) => group.members.find((m) => m.clientId === clientId)?.partitions ?? [];
      const ofA = partitionsOf('paypulse-a');
      expect(ofA.length).toBeGreaterThan(0);
      expect([...ofA, ...partitionsOf('paypulse-b')].sort((x, y) => x - y)).toEqual([...Array(PARTITIONS).keys()]);

      // Two merchants per partition, so both members have work whatever the assignment.
      const partitionOf = (id: string) => merchants.indexOf(id) % PARTITIONS;
      const produced = makeEvents(merchants, 2_000, partitionOf);
      const merchantsOfA = merchants.filter((id) => ofA.includes(partitionOf(id)));
      const shareOfA = produced.filter((p) => merchantsOfA.includes(p.merchantId)).length;
      await produceAll(producer, names.topic, produced.map((p) => p.message));

      await waitUntil(() => byA.total() > 0 && byB.total() > 0, WAIT_MS, () => `both stored some (a: ${byA.total()}, b: ${byB.total()})`);
      await a.stop();
      apps.splice(apps.indexOf(a), 1);
      const byAAtStop = byA.total();
      expect(byA.of(merchantsOfA), 'a still had work when it stopped').toBeLessThan(shareOfA);

      await waitUntil(
        async () => {
          const after = await describeGroup(admin, names.groupId, names.topic);
          return after.state === 'Stable' && after.members.length === 1 && after.members[0]!.clientId === 'paypulse-b' && after.members[0]!.partitions.length === PARTITIONS;
        },
        WAIT_MS,
        () => 'b alone in the group, holding every partition',
      );
      await waitUntil(async () => (await handledCount(db.pool, merchants)) >= produced.length, LONG_WAIT_MS, () => 'every event stored');

      await expectStoredExactlyOnce(db.pool, kafka, names, produced);
      expect(byA.total(), 'nothing stored by a after it stopped').toBe(byAAtStop);
      expect(byB.of(merchantsOfA), "b stored the rest of a's partitions").toBe(shareOfA - byA.of(merchantsOfA));
      expect(byA.total() + byB.total()).toBe(produced.length);
      expect((await b.app.readiness()).checks.kafkaConsumer).toBe(true);
    },
    420_000,
  );

  it(
    'waits out a database outage without dead-lettering anything, then stores every event exactly once and is ready again',
    async () => {
      const names = kafkaNames();
      const db = await freshDatabase();
      const target = new URL(POSTGRES_URL);
      const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(db.url);
      viaProxy.port = String(proxy.port);

      const t = await startTestApp({
        mode: 'services',
        databaseUrl: viaProxy.toString(),
        // Two attempts for failures taken as permanent: a transient one misjudged is dead-lettered within the outage.
        env: kafkaEnv(names, { KAFKA_BATCH_SIZE: SLOW_BATCH, KAFKA_MAX_ATTEMPTS: '2' }),
      });
      cleanups.push(() => t.stop());
      const merchants = newMerchants(6);
      for (const id of merchants) await t.createMerchant(id);
      await waitUntil(async () => (await t.app.readiness()).checks.kafkaConsumer === true, WAIT_MS, () => 'consumer joined its group');

      const produced = makeEvents(merchants, 1_000);
      await produceAll(producer, names.topic, produced.map((p) => p.message));
      await waitUntil(async () => (await storedCount(db.pool, merchants)) >= 100, WAIT_MS, () => 'some events stored');

      proxy.cut();
      expect(await storedCount(db.pool, merchants), 'stored when cut (all stored: too fast to interrupt)').toBeLessThan(produced.length);
      // The outage is visible to the app (readiness pings the database through the proxy).
      await waitUntil(async () => (await t.app.readiness()).checks.database === false, WAIT_MS, () => 'the app sees the database down');
      await new Promise((r) => setTimeout(r, 4_000));
      const duringOutage = proxy.stats.refused;
      proxy.restore();
      expect(proxy.stats.reset, 'connections reset by the cut').toBeGreaterThan(0);
      expect(duringOutage, 'reconnection attempts refused during the outage').toBeGreaterThan(0);

      await waitUntil(async () => (await handledCount(db.pool, merchants)) >= produced.length, LONG_WAIT_MS, () => 'every event stored after the outage');
      await expectStoredExactlyOnce(db.pool, kafka, names, produced);
      await waitUntil(async () => (await t.app.readiness()).ready, WAIT_MS, () => 'ready again');
      expect((await t.app.readiness()).checks).toMatchObject({ database: true, kafkaConsumer: true });
    },
    300_000,
  );
});
