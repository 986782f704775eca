/**
 * Database factory: PostgreSQL through `@prisma/adapter-pg` when a URL is configured, PGlite
 * in-process through `pglite-prisma-adapter` otherwise. Both expose the same Prisma client plus a
 * raw session for the migrator (multi-statement SQL that Prisma's prepared statements cannot run).
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.js';
import { lockDataDir, type DataDirLock } from '../startup/data-dir-lock.js';
import { reasonOf, StartupError } from '../startup/errors.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { pgTransactions, prismaTransactions, type RunTransaction, type TransactionLimits } from './sql-transaction.js';

export type { PrismaClient };
/** The transaction client handed to ingest effects. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** A raw connection used for migrations: runs scripts and simple queries on one session. */
export interface RawSession {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly prisma: PrismaClient;
  /** Transactions for raw-SQL work (the ingest): the driver's session on PostgreSQL, Prisma's on PGlite (src/db/sql-transaction.ts). */
  sqlTransactions(limits: TransactionLimits): RunTransaction;
  /** Runs `fn` on a dedicated raw session; on PostgreSQL it holds `lockKey` as an advisory lock meanwhile. */
  withRawSession<T>(lockKey: number, fn: (session: RawSession) => Promise<T>): Promise<T>;
  /** Runs `SELECT 1`; rejects when the database does not answer. */
  ping(): Promise<void>;
  /** True when the database answers now. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function createDatabase(config: Config['database']): Promise<Database> {
  return config.kind === 'postgres' ? createPostgres(config.url, config.poolSize) : createPglite(config.dataDir);
}

function createPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgres',
    prisma,
    sqlTransactions: (limits) => pgTransactions(pool, limits),
    async withRawSession(lockKey, fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
        try {
          return await fn({
            exec: async (sql) => void (await client.query(sql)),
            query: async (sql, params) => (await client.query(sql, params)).rows,
          });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [lockKey]);
        }
      } finally {
        client.release();
      }
    },
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    readiness() {
      return prisma.$queryRaw`SELECT 1`.then(() => true, () => false);
    },
    async stop() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function createPglite(dataDir: string): Promise<Database> {
  // "memory://" keeps everything in memory (tests); anything else is a directory on disk, which
  // one process at a time may open (a second one is refused: src/startup/data-dir-lock.ts).
  let lock: DataDirLock | undefined;
  if (!dataDir.startsWith('memory://')) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new StartupError('database', `cannot create the PGlite data directory ${dataDir} (${reasonOf(error)})`, { cause: error });
    }
    lock = lockDataDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir);
  } catch (error) {
    lock?.release();
    throw new StartupError('database', `cannot open the PGlite data directory ${dataDir} (${reasonOf(error)})`, { cause: error });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: 'pglite',
    prisma,
    sqlTransactions: (limits) => prismaTransactions(prisma, limits),
    // PGlite is one in-process session: nothing else can race the migrator, so no lock is needed.
    async withRawSession(_lockKey, fn) {
      return fn({
        exec: async (sql) => void (await pglite.exec(sql)),
        query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
      });
    },
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    readiness() {
      return prisma.$queryRaw`SELECT 1`.then(() => true, () => false);
    },
    async stop() {
      await prisma.$disconnect();
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}
