/**
 * The ingest transaction on pg's own session (src/db/sql-transaction.ts) against Prisma's
 * interactive transaction on the same PostgreSQL database: the same statements and parameters
 * must give the same values, types included (bigint, Decimal, Date, JSON, arrays, null), and the
 * transaction must keep Prisma's guarantees: a throw rolls back, a connection that does not come
 * within maxWait is a transient error, statements after the time limit are refused.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pgTransactions, prismaTransactions, type RunTransaction } from '../../src/db/sql-transaction.js';
import { Prisma, PrismaClient } from '../../src/generated/prisma/client.js';
import { isTransient } from '../../src/lib/transient.js';
import { createTestDatabase, describeWith } from '../support/services.js';

const LIMITS = { maxWaitMs: 10_000, timeoutMs: 60_000 };

await describeWith(['postgres'], 'ingest transactions on the driver session', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let prisma: PrismaClient;
  let viaPg: RunTransaction;
  let viaPrisma: RunTransaction;

  // East of UTC, so a Date sent or read in local time instead of UTC shows (Node applies TZ at once).
  const zone = process.env.TZ;
  beforeAll(async () => {
    process.env.TZ = 'Africa/Nairobi';
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    viaPg = pgTransactions(pool, LIMITS);
    viaPrisma = prismaTransactions(prisma, LIMITS);
    await pool.query(`CREATE TABLE t (id text PRIMARY KEY, amount bigint NOT NULL, at timestamptz(3), local timestamp(3), day date, code char(3), doc jsonb, tags text[])`);
  });
  afterAll(async () => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    await prisma?.$disconnect();
    await pool?.end();
    await db?.drop();
  });

  const TYPES = `SELECT 9007199254740993::int8 AS big, -5::int8 AS neg, 7::int4 AS small, 2::int2 AS tiny, 1.5::float8 AS f,
      12345678901234567890.25::numeric AS num, sum(x) AS total, count(*) AS n, 'KE'::char(3) AS code,
      '2026-12-01 23:30:00.123+03'::timestamptz(3) AS at, '2026-12-01 23:30:00.123'::timestamp(3) AS local, '2026-12-01'::date AS day,
      '{"a": 1, "b": [true, null]}'::jsonb AS doc, '{"x": "y"}'::json AS doc2, ARRAY['a', NULL, 'c'] AS texts, ARRAY[1, 9007199254740993]::int8[] AS bigs,
      ARRAY[1.5, 2]::numeric[] AS nums, ARRAY['2026-12-01 10:00:00'::timestamp] AS locals, true AS yes, NULL::text AS nothing,
      '00000000-0000-4000-8000-000000000001'::uuid AS id
    FROM (VALUES (1::int8), (9007199254740993::int8)) q(x)`;

  it('reads every column type as Prisma reads it', async () => {
    const [a] = await viaPg((tx) => tx.$queryRawUnsafe<Record<string, unknown>[]>(TYPES));
    const [b] = await viaPrisma((tx) => tx.$queryRawUnsafe<Record<string, unknown>[]>(TYPES));
    expect(Object.keys(a!)).toEqual(Object.keys(b!));
    for (const key of Object.keys(b!)) {
      const [x, y] = [a![key], b![key]];
      expect(typeof x, key).toBe(typeof y);
      // Decimals: the same digits (Prisma's Decimal class is the one both paths build).
      if (Prisma.Decimal.isDecimal(y)) expect(String(x), key).toBe(String(y));
      else if (Array.isArray(y) && y.some((v) => Prisma.Decimal.isDecimal(v))) expect((x as unknown[]).map(String), key).toEqual(y.map(String));
      else expect(x, key).toEqual(y);
    }
    expect(a!.big).toBe(9007199254740993n);
    expect(a!.local).toEqual(new Date('2026-12-01T23:30:00.123Z'));
    expect(a!.day).toEqual(new Date('2026-12-01T00:00:00.000Z'));
  });

  it('sends parameters as Prisma sends them: bigint, Date, Decimal, arrays, JSON, null', async () => {
    const write = (id: string) => async (tx: Parameters<Parameters<RunTransaction>[0]>[0]) => {
      const changed = await tx.$executeRawUnsafe(
        `INSERT INTO t (id, amount, at, local, day, code, doc, tags) VALUES ($1, $2, $3, $4, $5::date, $6, $7::jsonb, $8::text[])`,
        id,
        9007199254740993n,
        new Date('2026-12-01T20:30:00.123Z'),
        new Date('2026-12-01T20:30:00.123Z'),
        '2026-12-01',
        'KES',
        JSON.stringify({ k: 'v' }),
        ['x', null],
      );
      const sum = await tx.$queryRawUnsafe<{ s: bigint }[]>(`SELECT ($1::numeric + amount)::int8 AS s FROM t WHERE id = $2`, new Prisma.Decimal('7'), id);
      const tagged = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM t WHERE id IN (${Prisma.join([id, 'none'])}) AND amount = ${9007199254740993n}`;
      const moved = await tx.$executeRaw(Prisma.sql`UPDATE t SET code = ${'USD'} WHERE id = ${id}`);
      return { changed, sum: sum[0]!.s, tagged, moved };
    };
    const a = await viaPg(write('pg'));
    const b = await viaPrisma(write('prisma'));
    expect(a).toEqual({ changed: 1, sum: 9007199254741000n, tagged: [{ id: 'pg' }], moved: 1 });
    expect(b).toEqual({ ...a, tagged: [{ id: 'prisma' }] });
    const rows = await pool.query(`SELECT amount::text, at, local::text, day::text, code, doc, tags FROM t ORDER BY id`);
    expect(rows.rows[0]).toEqual(rows.rows[1]);
  });

  it('prepares each statement once per session, and plans every execution unless the transaction holds few rows', async () => {
    const one = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const run = pgTransactions(one, LIMITS);
      const mode = (tx: Parameters<Parameters<RunTransaction>[0]>[0]) => tx.$queryRawUnsafe<{ plan_cache_mode: string }[]>('SHOW plan_cache_mode');
      expect(await run(mode)).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
      expect(await run(mode, { fewRows: true })).toEqual([{ plan_cache_mode: 'auto' }]);
      // SET LOCAL ended with its transaction: the session is back to the server's default.
      expect((await one.query('SHOW plan_cache_mode')).rows).toEqual([{ plan_cache_mode: 'auto' }]);
      const prepared = await one.query(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'paypulse_ingest_%'`);
      expect(prepared.rows.map((r) => r.statement)).toEqual(['SHOW plan_cache_mode']);
    } finally {
      await one.end();
    }
  });

  it('rolls everything back when the work throws, and returns the session to the pool', async () => {
    await expect(
      viaPg(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO t (id, amount) VALUES ('gone', 1)`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(viaPg((tx) => tx.$executeRawUnsafe(`INSERT INTO t (id, amount) VALUES ('pg', 1)`))).rejects.toMatchObject({ code: '23505' });
    expect((await pool.query(`SELECT count(*)::int AS n FROM t WHERE id = 'gone'`)).rows[0].n).toBe(0);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('survives its session being killed mid-transaction: a transient error, no uncaught one, and a fresh session next', async () => {
    const error = await viaPg(async (tx) => {
      const [me] = await tx.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
      await pool.query('SELECT pg_terminate_backend($1)', [me!.pid]);
      await tx.$queryRawUnsafe('SELECT 1');
    }).catch((e: unknown) => e);
    expect(isTransient(error)).toBe(true);
    await expect(viaPg((tx) => tx.$queryRawUnsafe<{ one: number }[]>('SELECT 1 AS one'))).resolves.toEqual([{ one: 1 }]);
  });

  it('answers a transient error when no session comes within maxWait, and gives the late one back', async () => {
    const small = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const held = await small.connect();
      const error = await pgTransactions(small, { maxWaitMs: 20, timeoutMs: 60_000 })(async () => 1).catch((e: unknown) => e);
      expect(isTransient(error)).toBe(true);
      held.release();
      // The session the abandoned wait was queued for goes back: the next transaction gets it.
      await expect(pgTransactions(small, LIMITS)(async (tx) => tx.$queryRawUnsafe<{ one: number }[]>('SELECT 1 AS one'))).resolves.toEqual([{ one: 1 }]);
    } finally {
      await small.end();
    }
  });

  it('refuses statements after the time limit and rolls back', async () => {
    const run = pgTransactions(pool, { maxWaitMs: 10_000, timeoutMs: 1 });
    const outcome = run(async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO t (id, amount) VALUES ('late', 1)`);
      // The limit's 1 ms timer was armed first and expires first, so it has fired when this one does.
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
      await tx.$executeRawUnsafe(`INSERT INTO t (id, amount) VALUES ('later', 1)`);
    });
    const error = await outcome.catch((e: unknown) => e);
    expect(String(error)).toMatch(/Transaction already closed/);
    expect(isTransient(error)).toBe(true);
    expect((await pool.query(`SELECT count(*)::int AS n FROM t WHERE id IN ('late', 'later')`)).rows[0].n).toBe(0);
  });
  it('sends the opening statement with BEGIN in one round trip, its parameters escaped, its rows typed as Prisma types them', async () => {
    await pool.query(`INSERT INTO t (id, amount, at) VALUES ($1, 9007199254740993, '2026-12-01T20:30:00.123Z'), ($2, 2, NULL)`, [`it's \\ one`, 'other']);
    const opening = (id: string) => ({ text: `SELECT id, amount, at FROM t WHERE id = $1 AND $1 <> '' FOR UPDATE`, values: [id] });
    const one = new pg.Pool({ connectionString: db.url, max: 1 });
    let roundTrips = 0;
    // Counted on the pool's one session, wrapped once (the pool hands out the same client again).
    one.once('connect', (client) => {
      const query = client.query.bind(client);
      client.query = ((...args: Parameters<typeof query>) => ((roundTrips += 1), query(...args))) as typeof client.query;
    });
    try {
      // A quote and a backslash in the value reach PostgreSQL as the value itself, not as SQL.
      const opened = await pgTransactions(one, LIMITS)(async (tx, rows) => {
        // The row is locked by the opening, inside this transaction.
        const locked = await pool.query(`SELECT id FROM t WHERE id = $1 FOR UPDATE SKIP LOCKED`, [`it's \\ one`]);
        expect(locked.rows).toEqual([]);
        await tx.$queryRawUnsafe('SELECT 1');
        return rows;
      }, { opening: opening(`it's \\ one`) });
      expect(roundTrips).toBe(3); // BEGIN + opening, the work's one statement, COMMIT
      const viaPrismaRows = await viaPrisma(async (_tx, rows) => rows, { opening: opening(`it's \\ one`) });
      expect(opened).toEqual([{ id: `it's \\ one`, amount: 9007199254740993n, at: new Date('2026-12-01T20:30:00.123Z') }]);
      expect(viaPrismaRows).toEqual(opened);
      // A value written to escape its literal matches nothing and fails nothing.
      await expect(pgTransactions(one, LIMITS)(async (_tx, rows) => rows, { opening: opening(`x' OR '1'='1`) })).resolves.toEqual([]);
      await expect(pgTransactions(one, LIMITS)(async (_tx, rows) => rows, { opening: opening(`x\\' OR true --`) })).resolves.toEqual([]);
      // The transaction's other statements still see the opening's plan setting and lock.
      expect(await pgTransactions(one, LIMITS)((tx) => tx.$queryRawUnsafe('SHOW plan_cache_mode'), { opening: opening('other') })).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
    } finally {
      await one.end();
    }
  });
});
