/**
 * The built-in migrator (src/db/migrate.ts) on fresh databases, PGlite and PostgreSQL: it applies
 * every folder under prisma/migrations once, in name order, with Prisma Migrate's bookkeeping; a
 * second run is a no-op; instances starting together on one PostgreSQL database serialise on the
 * advisory lock; a failing migration leaves nothing behind and names itself.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate, MigrationError } from '../../src/db/migrate.js';
import type { Logger } from '../../src/lib/logger.js';
import { createTestDatabase, describeWith, type Service } from '../support/services.js';

// Migrating a fresh PGlite database takes 12–20 s on a loaded 2-core machine: the 30 s default is too close.
vi.setConfig({ testTimeout: 120_000 });

const MIGRATIONS = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
/** Read independently of the migrator: every `<name>/migration.sql`, in name order. */
const FOLDERS = readdirSync(MIGRATIONS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(MIGRATIONS, d.name, 'migration.sql')))
  .map((d) => d.name)
  .sort();
/** Prisma Migrate's checksum: SHA-256 (hex) of the migration.sql bytes. */
const checksumOf = (dir: string, name: string) => createHash('sha256').update(readFileSync(join(dir, name, 'migration.sql'))).digest('hex');

/** Prisma Migrate's bookkeeping columns, which `prisma migrate deploy` reads. */
const PRISMA_MIGRATIONS_COLUMNS = ['applied_steps_count', 'checksum', 'finished_at', 'id', 'logs', 'migration_name', 'rolled_back_at', 'started_at'];

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  started_at: Date | null;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

function fakeLogger() {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), trace: vi.fn(), fatal: vi.fn() };
  return Object.assign(logger, { child: () => logger }) as unknown as typeof logger & Logger;
}

async function query<T>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return db.withRawSession(1, (s) => s.query<T>(sql, params));
}
const bookkeeping = (db: Database) =>
  query<MigrationRow>(db, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');
const tableExists = async (db: Database, table: string) =>
  (await query<{ t: string | null }>(db, 'SELECT to_regclass($1)::text AS t', [`public.${table}`]))[0]?.t != null;
const columnExists = async (db: Database, table: string, column: string) =>
  (await query(db, 'SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2', [table, column])).length > 0;

/** A temporary migrations folder: a copy of the real ones plus `extra` (name → SQL). */
function tempMigrations(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'paypulse-migrations-'));
  cpSync(MIGRATIONS, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

const NEEDS: Record<'pglite' | 'postgres', Service[]> = { pglite: [], postgres: ['postgres'] };

for (const kind of ['pglite', 'postgres'] as const) {
  await describeWith(NEEDS[kind], `migrate() on a fresh database (${kind})`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    /** A fresh empty database, closed (and dropped) after the test. */
    async function fresh(): Promise<Database> {
      if (kind === 'pglite') {
        const db = await createDatabase({ kind: 'pglite', dataDir: 'memory://' });
        cleanups.push(() => db.stop());
        return db;
      }
      const { url, drop } = await createTestDatabase();
      cleanups.push(drop);
      const db = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
      cleanups.push(() => db.stop());
      return db;
    }
    function temp(extra: Record<string, string> = {}): string {
      const dir = tempMigrations(extra);
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    }

    it('applies every folder under prisma/migrations once, in name order, and records it as Prisma Migrate does', async () => {
      expect(FOLDERS.length).toBeGreaterThan(0);
      const db = await fresh();
      const logger = fakeLogger();

      const applied = await migrate(db, logger);

      expect(applied).toEqual(FOLDERS);
      const rows = await bookkeeping(db);
      expect(rows.map((r) => r.migration_name)).toEqual(FOLDERS);
      for (const row of rows) {
        expect(row.checksum).toBe(checksumOf(MIGRATIONS, row.migration_name));
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.started_at).toBeInstanceOf(Date);
        expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at!.getTime());
        expect(row.rolled_back_at).toBeNull();
        expect(Number(row.applied_steps_count)).toBe(1);
      }
      const columns = await query<{ column_name: string }>(
        db,
        `SELECT column_name::text AS column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'`,
      );
      expect(columns.map((c) => c.column_name).sort()).toEqual(PRISMA_MIGRATIONS_COLUMNS);
      expect(logger.info).toHaveBeenCalledTimes(FOLDERS.length);
      expect(logger.warn).not.toHaveBeenCalled();
      expect(await tableExists(db, 'merchants')).toBe(true);
    });

    it('applies nothing when run again and leaves the bookkeeping as it was', async () => {
      const db = await fresh();
      await migrate(db, fakeLogger());
      const before = await bookkeeping(db);

      const logger = fakeLogger();
      expect(await migrate(db, logger)).toEqual([]);
      expect(await migrate(db, logger)).toEqual([]);

      expect(await bookkeeping(db)).toEqual(before);
      expect(logger.info).not.toHaveBeenCalled();
      expect(logger.warn).not.toHaveBeenCalled();
    });

    it('applies only the new folder when one is added later', async () => {
      const db = await fresh();
      await migrate(db, fakeLogger());
      const dir = temp({ '99990101000000_later': 'CREATE TABLE "later_probe" ("id" INTEGER);' });

      expect(await migrate(db, fakeLogger(), dir)).toEqual(['99990101000000_later']);

      expect(await tableExists(db, 'later_probe')).toBe(true);
      const rows = await bookkeeping(db);
      expect(rows.map((r) => r.migration_name)).toEqual([...FOLDERS, '99990101000000_later']);
      expect(rows.at(-1)?.checksum).toBe(checksumOf(dir, '99990101000000_later'));
    });

    it('rolls a failing migration back entirely and throws an error naming it', async () => {
      const db = await fresh();
      const broken = '99990101000000_broken';
      const dir = temp({
        [broken]: `CREATE TABLE "broken_probe" ("id" INTEGER);
ALTER TABLE "merchants" ADD COLUMN "broken_column" TEXT;
INSERT INTO "merchants" ("id", "name") VALUES ('m-broken', 'half-applied');
SELECT * FROM "no_such_table";`,
      });

      const error = await migrate(db, fakeLogger(), dir).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain(broken);
      expect((error as Error).message).toContain('no_such_table');
      // Nothing of the failed migration is left: no table, no column, no row, no bookkeeping.
      expect(await tableExists(db, 'broken_probe')).toBe(false);
      expect(await columnExists(db, 'merchants', 'broken_column')).toBe(false);
      expect(await query(db, `SELECT 1 FROM "merchants" WHERE id = 'm-broken'`)).toEqual([]);
      const rows = await bookkeeping(db);
      expect(rows.map((r) => r.migration_name)).toEqual(FOLDERS);

      // The earlier migrations stay applied, and a fixed migration applies on the next start.
      expect(await migrate(db, fakeLogger())).toEqual([]);
      writeFileSync(join(dir, broken, 'migration.sql'), 'CREATE TABLE "broken_probe" ("id" INTEGER);');
      expect(await migrate(db, fakeLogger(), dir)).toEqual([broken]);
      expect(await tableExists(db, 'broken_probe')).toBe(true);
    });

    it('warns about an applied migration edited since it ran and does not run it again', async () => {
      const db = await fresh();
      const dir = temp();
      await migrate(db, fakeLogger(), dir);
      const name = FOLDERS[0]!;
      appendFileSync(join(dir, name, 'migration.sql'), '\n-- edited after it was applied\n');

      const logger = fakeLogger();
      expect(await migrate(db, logger, dir)).toEqual([]);

      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ migration: name }), expect.any(String));
      expect((await bookkeeping(db)).find((r) => r.migration_name === name)?.checksum).toBe(checksumOf(MIGRATIONS, name));
    });

    it('refuses to run over a migration that failed earlier and was never rolled back, naming it', async () => {
      const db = await fresh();
      await migrate(db, fakeLogger());
      // What `prisma migrate deploy` leaves when a migration fails half-way (Prisma's P3009 state).
      await query(
        db,
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ('00000000-0000-4000-8000-000000000001', 'x', '99990101000000_half_done', now(), 0)`,
      );
      const dir = temp({ '99990102000000_next': 'CREATE TABLE "next_probe" ("id" INTEGER);' });

      await expect(migrate(db, fakeLogger(), dir)).rejects.toThrow(/99990101000000_half_done/);
      expect(await tableExists(db, 'next_probe')).toBe(false);
    });
  });
}

await describeWith(['postgres'], 'migrate() from several instances at once (postgres)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** `count` separate clients (separate pools) on one fresh database. */
  async function instances(count: number): Promise<Database[]> {
    const { url, drop } = await createTestDatabase();
    cleanups.push(drop);
    const dbs: Database[] = [];
    for (let i = 0; i < count; i++) {
      const db = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
      cleanups.push(() => db.stop());
      dbs.push(db);
    }
    return dbs;
  }

  it('lets two instances migrate one fresh database together: both succeed and each migration applies once', async () => {
    const [a, b] = await instances(2);

    const results = await Promise.allSettled([migrate(a!, fakeLogger()), migrate(b!, fakeLogger())]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const [ra, rb] = results.map((r) => (r as PromiseFulfilledResult<string[]>).value);
    // One of them applied everything, the other found nothing pending.
    expect([ra, rb].sort((x, y) => y!.length - x!.length)).toEqual([FOLDERS, []]);
    expect((await bookkeeping(a!)).map((r) => r.migration_name)).toEqual(FOLDERS);
  });

  it('holds the lock for the whole run: a slow migration makes the other instances wait instead of re-applying', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paypulse-migrations-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(MIGRATIONS, dir, { recursive: true });
    const slow = '99990101000000_slow';
    mkdirSync(join(dir, slow));
    // Without the lock, a second instance would see this pending and fail on CREATE TABLE.
    writeFileSync(join(dir, slow, 'migration.sql'), 'SELECT pg_sleep(1);\nCREATE TABLE "slow_probe" ("id" INTEGER);');
    const dbs = await instances(3);

    const results = await Promise.allSettled(dbs.map((db) => migrate(db, fakeLogger(), dir)));

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const applied = results.map((r) => (r as PromiseFulfilledResult<string[]>).value);
    expect(applied.flat().sort()).toEqual([...FOLDERS, slow].sort());
    expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
    const rows = await bookkeeping(dbs[0]!);
    expect(rows.map((r) => r.migration_name)).toEqual([...FOLDERS, slow]);
    expect(await tableExists(dbs[0]!, 'slow_probe')).toBe(true);
  });
});

describe('prisma/migrations layout', () => {
  it('names every migration folder <14-digit timestamp>_<name>, as Prisma Migrate does', () => {
    expect(FOLDERS.length).toBeGreaterThan(0);
    expect(FOLDERS.every((name) => /^\d{14}_[a-z0-9_]+$/.test(name))).toBe(true);
  });
});
