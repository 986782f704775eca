import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../src/generated/prisma/client.js';
const pool = new pg.Pool({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test', max: 2 });
const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
const rows = await prisma.$queryRawUnsafe<any[]>(`SELECT 1::int8 AS i8, 2::int4 AS i4, 3::int2 AS i2, 1.5::numeric AS num, sum(x) AS s, 2.5::float8 AS f8, 'a'::char(3) AS ch, now()::timestamptz(3) AS tz, now()::timestamp AS ts, current_date AS d,
  '{"a":1}'::jsonb AS j, '{"a":1}'::json AS j2, ARRAY['a','b'] AS ta, ARRAY[1,2]::int8[] AS ia, true AS b, NULL::text AS n, gen_random_uuid() AS u, 'x'::bytea AS by, count(*) AS c
  FROM (SELECT 1::int8 AS x) q`);
for (const [k, v] of Object.entries(rows[0])) console.log(k.padEnd(4), typeof v, (v as any)?.constructor?.name, JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? `${x}n` : x));
const r2 = await prisma.$queryRawUnsafe<any[]>(`SELECT $1 AS p1, $2::bigint AS p2, $3::text[] AS p3, $4::jsonb AS p4, $5::timestamptz AS p5, pg_typeof($1)::text AS t1, pg_typeof($6)::text AS t6, $6 AS p6`, 'x', 5n, ['a'], { a: 1 }, new Date(0), 7);
console.log(r2[0]);
await prisma.$disconnect(); await pool.end();
