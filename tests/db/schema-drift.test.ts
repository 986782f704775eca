/**
 * Schema drift: the SQL under prisma/migrations is what the server applies, schema.prisma is what
 * the Prisma client is generated from. These tests migrate an empty database (PGlite and real
 * PostgreSQL) and prove both describe the same thing: exactly the declared tables and columns
 * (names, types, nullability, defaults), primary keys, unique and plain indexes, and foreign keys.
 * The comparison itself is tested against a hand-modified schema and a hand-modified database,
 * so a drift can never pass unnoticed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, type RawSession } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { createTestDatabase, describeWith, type Service } from '../support/services.js';

// The wasm build of Prisma's schema parser is CommonJS.
const prismaSchemaWasm = createRequire(import.meta.url)('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };

const SCHEMA_PRISMA = readFileSync(fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url)), 'utf8');
/** Prisma Migrate's own bookkeeping table: present in the database, never declared. */
const BOOKKEEPING_TABLE = '_prisma_migrations';
/** Lock key for the read-only introspection sessions (any key other than the migrator's). */
const INTROSPECTION_LOCK_KEY = 72_911_099;
const logger = createLogger({ level: 'silent' });

// ---------------------------------------------------------------------------------------------
// What schema.prisma declares, in database terms.

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  hasDefaultValue: boolean;
  default?: unknown;
  isUpdatedAt?: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  fields: { name: string }[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
}

/** A column type as information_schema.columns reports it; unset properties are not compared. */
interface ColumnType {
  dataType: string;
  udtName: string;
  charLength?: number | null;
  datetimePrecision?: number;
  numericPrecision?: number;
  numericScale?: number;
}

type ExpectedDefault =
  | { kind: 'none' }
  | { kind: 'sequence' }
  | { kind: 'now' }
  | { kind: 'any' }
  | { kind: 'literal'; value: string };

interface DeclaredColumn {
  field: string;
  nullable: boolean;
  type: ColumnType;
  default: ExpectedDefault;
}
interface IndexShape {
  name: string;
  columns: string[];
  kind: 'primary' | 'unique' | 'normal';
}
interface ForeignKeyShape {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}
interface TableShape {
  columns: Map<string, DeclaredColumn>;
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

/** Prisma's default type per scalar on PostgreSQL (what `prisma migrate dev` would write). */
const DEFAULT_TYPES: Record<string, ColumnType> = {
  String: { dataType: 'text', udtName: 'text' },
  Int: { dataType: 'integer', udtName: 'int4' },
  BigInt: { dataType: 'bigint', udtName: 'int8' },
  Float: { dataType: 'double precision', udtName: 'float8' },
  Decimal: { dataType: 'numeric', udtName: 'numeric', numericPrecision: 65, numericScale: 30 },
  Boolean: { dataType: 'boolean', udtName: 'bool' },
  DateTime: { dataType: 'timestamp without time zone', udtName: 'timestamp', datetimePrecision: 3 },
  Json: { dataType: 'jsonb', udtName: 'jsonb' },
  Bytes: { dataType: 'bytea', udtName: 'bytea' },
};

/** `@db.X(args)` on PostgreSQL. A native type missing here fails loudly rather than passing. */
function nativeColumnType([name, args]: [string, string[]]): ColumnType {
  const n = args[0] === undefined ? undefined : Number(args[0]);
  switch (name) {
    case 'Text':
      return { dataType: 'text', udtName: 'text' };
    case 'VarChar':
      return { dataType: 'character varying', udtName: 'varchar', charLength: n ?? null };
    case 'Char':
      return { dataType: 'character', udtName: 'bpchar', charLength: n ?? 1 };
    case 'Uuid':
      return { dataType: 'uuid', udtName: 'uuid' };
    case 'SmallInt':
      return { dataType: 'smallint', udtName: 'int2' };
    case 'Integer':
      return { dataType: 'integer', udtName: 'int4' };
    case 'BigInt':
      return { dataType: 'bigint', udtName: 'int8' };
    case 'Real':
      return { dataType: 'real', udtName: 'float4' };
    case 'DoublePrecision':
      return { dataType: 'double precision', udtName: 'float8' };
    case 'Decimal':
      return { dataType: 'numeric', udtName: 'numeric', ...(n === undefined ? {} : { numericPrecision: n, numericScale: Number(args[1] ?? 0) }) };
    case 'Boolean':
      return { dataType: 'boolean', udtName: 'bool' };
    case 'Timestamptz':
      return { dataType: 'timestamp with time zone', udtName: 'timestamptz', datetimePrecision: n ?? 6 };
    case 'Timestamp':
      return { dataType: 'timestamp without time zone', udtName: 'timestamp', datetimePrecision: n ?? 6 };
    case 'Date':
      return { dataType: 'date', udtName: 'date' };
    case 'Json':
      return { dataType: 'json', udtName: 'json' };
    case 'JsonB':
      return { dataType: 'jsonb', udtName: 'jsonb' };
    case 'ByteA':
      return { dataType: 'bytea', udtName: 'bytea' };
    default:
      throw new Error(`schema-drift test: native type @db.${name} is not mapped yet; add it to nativeColumnType()`);
  }
}

function expectedDefault(field: DmmfField): ExpectedDefault {
  if (!field.hasDefaultValue || field.default === undefined) return { kind: 'none' };
  const d = field.default;
  if (d !== null && typeof d === 'object' && !Array.isArray(d) && 'name' in d) {
    const name = (d as { name: string }).name;
    if (name === 'autoincrement') return { kind: 'sequence' };
    if (name === 'now') return { kind: 'now' };
    if (name === 'dbgenerated') return { kind: 'any' };
    // uuid(), cuid(), nanoid(), ulid() are generated by the Prisma client: no database default.
    return { kind: 'none' };
  }
  return { kind: 'literal', value: String(d) };
}

const byName = <T extends { name: string }>(items: T[]) => new Map(items.map((i) => [i.name, i]));

/** Parses schema.prisma text with Prisma's own parser and returns the tables it declares. */
function declaredSchema(prismaSchema: string): Map<string, TableShape> {
  const dmmf = JSON.parse(prismaSchemaWasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', prismaSchema]] }))) as {
    datamodel: { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };
  };
  const { models, enums, indexes } = dmmf.datamodel;
  const modelsByName = byName(models);
  const enumsByName = byName(enums);
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const columnOf = (m: DmmfModel, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f) throw new Error(`${m.name}.${fieldName} not found`);
    return f.dbName ?? f.name;
  };

  const tables = new Map<string, TableShape>();
  for (const model of models) {
    const table = tableOf(model);
    const columns = new Map<string, DeclaredColumn>();
    for (const f of model.fields) {
      if (f.kind === 'object') continue;
      let type: ColumnType;
      if (f.kind === 'enum') {
        const e = enumsByName.get(f.type);
        type = { dataType: 'USER-DEFINED', udtName: e?.dbName ?? f.type };
      } else if (f.kind === 'scalar') {
        const base = f.nativeType ? nativeColumnType(f.nativeType) : DEFAULT_TYPES[f.type];
        if (!base) throw new Error(`schema-drift test: scalar type ${f.type} is not mapped yet`);
        type = base;
      } else {
        throw new Error(`schema-drift test: ${model.name}.${f.name} has an Unsupported type; compare it by hand`);
      }
      if (f.isList) type = { dataType: 'ARRAY', udtName: `_${type.udtName}` };
      columns.set(f.dbName ?? f.name, { field: `${model.name}.${f.name}`, nullable: !f.isRequired, type, default: expectedDefault(f) });
    }

    const modelIndexes: IndexShape[] = indexes
      .filter((i) => i.model === model.name && i.type !== 'fulltext')
      .map((i) => {
        const cols = i.fields.map((x) => columnOf(model, x.name));
        const kind: IndexShape['kind'] = i.type === 'id' ? 'primary' : i.type === 'unique' ? 'unique' : 'normal';
        const suffix = kind === 'primary' ? 'pkey' : kind === 'unique' ? 'key' : 'idx';
        // Prisma's default constraint names; an explicit `map:` wins.
        const name = i.dbName ?? (kind === 'primary' ? `${table}_pkey` : `${table}_${cols.join('_')}_${suffix}`);
        return { name, columns: cols, kind };
      });

    const foreignKeys: ForeignKeyShape[] = model.fields
      .filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0)
      .map((f) => {
        const target = modelsByName.get(f.type)!;
        const cols = f.relationFromFields!.map((x) => columnOf(model, x));
        return {
          name: `${table}_${cols.join('_')}_fkey`,
          columns: cols,
          refTable: tableOf(target),
          refColumns: f.relationToFields!.map((x) => columnOf(target, x)),
          // Prisma's referential-action defaults: Restrict (SetNull when optional) / Cascade.
          onDelete: f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull'),
          onUpdate: f.relationOnUpdate ?? 'Cascade',
        };
      });

    tables.set(table, { columns, indexes: modelIndexes, foreignKeys });
  }
  return tables;
}

// ---------------------------------------------------------------------------------------------
// What the database has.

interface ActualColumn {
  nullable: boolean;
  type: Required<Omit<ColumnType, 'charLength'>> & { charLength: number | null };
  default: string | null;
}
interface ActualTable {
  columns: Map<string, ActualColumn>;
  indexes: (IndexShape & { partial: boolean })[];
  foreignKeys: ForeignKeyShape[];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const ACTIONS: Record<string, string> = { a: 'NoAction', r: 'Restrict', c: 'Cascade', n: 'SetNull', d: 'SetDefault' };

async function actualSchema(session: RawSession): Promise<Map<string, ActualTable>> {
  const tables = new Map<string, ActualTable>();
  const tableRows = await session.query<{ table_name: string }>(
    `SELECT table_name::text AS table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1`,
    [BOOKKEEPING_TABLE],
  );
  for (const r of tableRows) tables.set(r.table_name, { columns: new Map(), indexes: [], foreignKeys: [] });

  const columnRows = await session.query<Record<string, unknown>>(
    `SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS is_nullable,
            data_type::text AS data_type, udt_name::text AS udt_name,
            character_maximum_length AS char_length, datetime_precision, numeric_precision, numeric_scale,
            column_default::text AS column_default
       FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  for (const c of columnRows) {
    tables.get(String(c.table_name))?.columns.set(String(c.column_name), {
      nullable: c.is_nullable === 'YES',
      type: {
        dataType: String(c.data_type),
        udtName: String(c.udt_name),
        charLength: num(c.char_length),
        datetimePrecision: num(c.datetime_precision) as number,
        numericPrecision: num(c.numeric_precision) as number,
        numericScale: num(c.numeric_scale) as number,
      },
      default: c.column_default === null ? null : String(c.column_default),
    });
  }

  const indexRows = await session.query<{ table_name: string; index_name: string; is_unique: boolean; is_primary: boolean; is_partial: boolean; columns: string[] }>(
    `SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique,
            ix.indisprimary AS is_primary, ix.indpred IS NOT NULL AS is_partial,
            ARRAY(SELECT COALESCE(a.attname::text, '(expression)')
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema()`,
  );
  for (const r of indexRows) {
    tables.get(r.table_name)?.indexes.push({
      name: r.index_name,
      columns: r.columns,
      kind: r.is_primary ? 'primary' : r.is_unique ? 'unique' : 'normal',
      partial: r.is_partial,
    });
  }

  const fkRows = await session.query<{ name: string; table_name: string; ref_table: string; columns: string[]; ref_columns: string[]; on_delete: string; on_update: string }>(
    `SELECT c.conname::text AS name, cl.relname::text AS table_name, rf.relname::text AS ref_table,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
            c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
       FROM pg_constraint c
       JOIN pg_class cl ON cl.oid = c.conrelid
       JOIN pg_class rf ON rf.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  for (const r of fkRows) {
    tables.get(r.table_name)?.foreignKeys.push({
      name: r.name,
      columns: r.columns,
      refTable: r.ref_table,
      refColumns: r.ref_columns,
      onDelete: ACTIONS[r.on_delete] ?? r.on_delete,
      onUpdate: ACTIONS[r.on_update] ?? r.on_update,
    });
  }
  return tables;
}

// ---------------------------------------------------------------------------------------------
// The comparison: one readable line per difference, empty when they agree.

/** `'UTC'::text` → `UTC`, `'{}'::jsonb` → `{}`, `0` → `0`, `'-1'::integer` → `-1`. */
function literalOf(columnDefault: string): string {
  let s = columnDefault.trim();
  for (;;) {
    const stripped = s.replace(/::(?:"[^"]+"|[a-z_ ]+(?:\(\d+(?:,\s*\d+)?\))?)$/i, '').trim();
    if (stripped === s) break;
    s = stripped;
  }
  if (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1);
  if (s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1).replaceAll("''", "'");
  return s;
}

function defaultDifference(expected: ExpectedDefault, actual: string | null): string | undefined {
  switch (expected.kind) {
    case 'none':
      return actual === null ? undefined : `has default ${actual} but declares none`;
    case 'any':
      return actual !== null ? undefined : 'declares a database default but has none';
    case 'sequence':
      return actual?.startsWith('nextval(') ? undefined : `declares autoincrement but default is ${actual}`;
    case 'now':
      return actual !== null && /^(CURRENT_TIMESTAMP|now\(\))/i.test(actual) ? undefined : `declares now() but default is ${actual}`;
    case 'literal':
      return actual !== null && literalOf(actual) === expected.value ? undefined : `declares default ${JSON.stringify(expected.value)} but default is ${actual}`;
  }
}

const describeIndex = (i: IndexShape) => `${i.kind} ${i.name} (${i.columns.join(', ')})`;
const describeFk = (f: ForeignKeyShape) => `${f.name} (${f.columns.join(', ')}) → ${f.refTable} (${f.refColumns.join(', ')}) on delete ${f.onDelete} on update ${f.onUpdate}`;

function compareSchemas(declared: Map<string, TableShape>, actual: Map<string, ActualTable>): string[] {
  const diffs: string[] = [];
  for (const table of actual.keys()) {
    if (!declared.has(table)) diffs.push(`table ${table}: in the database but not declared in schema.prisma`);
  }
  for (const [table, want] of declared) {
    const have = actual.get(table);
    if (!have) {
      diffs.push(`table ${table}: declared in schema.prisma but missing in the database`);
      continue;
    }
    for (const column of have.columns.keys()) {
      if (!want.columns.has(column)) diffs.push(`${table}.${column}: in the database but not declared in schema.prisma`);
    }
    for (const [column, w] of want.columns) {
      const h = have.columns.get(column);
      if (!h) {
        diffs.push(`${table}.${column}: declared in schema.prisma (${w.field}) but missing in the database`);
        continue;
      }
      if (w.nullable !== h.nullable) diffs.push(`${table}.${column}: declared ${w.nullable ? 'optional' : 'required'} but the column is ${h.nullable ? 'NULL' : 'NOT NULL'}`);
      for (const key of Object.keys(w.type) as (keyof ColumnType)[]) {
        if (w.type[key] !== h.type[key]) diffs.push(`${table}.${column}: ${key} should be ${w.type[key]} but is ${h.type[key]}`);
      }
      const d = defaultDifference(w.default, h.default);
      if (d) diffs.push(`${table}.${column}: ${d}`);
    }

    const indexKey = (i: IndexShape) => describeIndex(i);
    const wantIdx = new Set(want.indexes.map(indexKey));
    const haveIdx = new Set(have.indexes.map(indexKey));
    for (const i of want.indexes) if (!haveIdx.has(indexKey(i))) diffs.push(`${table}: declared ${describeIndex(i)} is missing in the database`);
    for (const i of have.indexes) {
      if (!wantIdx.has(indexKey(i))) diffs.push(`${table}: database ${describeIndex(i)} is not declared in schema.prisma`);
      if (i.partial) diffs.push(`${table}: index ${i.name} is partial, which schema.prisma cannot declare`);
    }

    const wantFk = new Set(want.foreignKeys.map(describeFk));
    const haveFk = new Set(have.foreignKeys.map(describeFk));
    for (const f of want.foreignKeys) if (!haveFk.has(describeFk(f))) diffs.push(`${table}: declared foreign key ${describeFk(f)} is missing in the database`);
    for (const f of have.foreignKeys) if (!wantFk.has(describeFk(f))) diffs.push(`${table}: database foreign key ${describeFk(f)} is not declared in schema.prisma`);
  }
  return diffs.sort();
}

// ---------------------------------------------------------------------------------------------

const DECLARED = declaredSchema(SCHEMA_PRISMA);

describe('the schema.prisma reader', () => {
  it('finds every model with its mapped table, columns and keys', () => {
    const modelCount = [...SCHEMA_PRISMA.matchAll(/^model\s+\w+\s*\{/gm)].length;
    expect(modelCount).toBeGreaterThan(0);
    expect(DECLARED.size).toBe(modelCount);
    // Spot checks that @@map, @map, @db.* and @@unique are read (not the field names or defaults).
    const merchants = DECLARED.get('merchants');
    expect(merchants?.columns.get('default_currency')).toMatchObject({ nullable: false, type: { dataType: 'character', charLength: 3 } });
    expect(DECLARED.get('payment_events')?.indexes).toContainEqual({ name: 'payment_events_merchant_id_event_id_key', columns: ['merchant_id', 'event_id'], kind: 'unique' });
    expect(DECLARED.get('api_keys')?.indexes).toContainEqual({ name: 'api_keys_prefix_key', columns: ['prefix'], kind: 'unique' });
    for (const table of DECLARED.values()) expect(table.indexes.filter((i) => i.kind === 'primary')).toHaveLength(1);
  });
});

const NEEDS: Record<'pglite' | 'postgres', Service[]> = { pglite: [], postgres: ['postgres'] };

for (const kind of ['pglite', 'postgres'] as const) {
  await describeWith(NEEDS[kind], `schema drift after migrate() (${kind})`, () => {
    let db: Database;
    let drop: (() => Promise<void>) | undefined;
    const introspect = () => db.withRawSession(INTROSPECTION_LOCK_KEY, actualSchema);

    beforeAll(async () => {
      if (kind === 'postgres') {
        const fresh = await createTestDatabase();
        drop = fresh.drop;
        db = await createDatabase({ kind: 'postgres', url: fresh.url, poolSize: 2 });
      } else {
        db = await createDatabase({ kind: 'pglite', dataDir: 'memory://' });
      }
      await migrate(db, logger);
    });
    afterAll(async () => {
      await db?.stop();
      await drop?.();
    });

    it('has exactly the tables, columns, types, nullability, defaults, keys and indexes schema.prisma declares', async () => {
      const actual = await introspect();
      expect(compareSchemas(DECLARED, actual)).toEqual([]);
      // Not vacuous: every declared table was found with all its columns.
      expect([...actual.keys()].sort()).toEqual([...DECLARED.keys()].sort());
    });

    it('has every @unique / @@unique as a unique index on exactly those columns', async () => {
      const actual = await introspect();
      const declaredUniques = [...DECLARED].flatMap(([table, t]) => t.indexes.filter((i) => i.kind === 'unique').map((i) => ({ table, columns: i.columns })));
      expect(declaredUniques.length).toBeGreaterThan(0);
      for (const u of declaredUniques) {
        const found = actual.get(u.table)?.indexes.some((i) => i.kind === 'unique' && !i.partial && i.columns.join() === u.columns.join());
        expect(found, `unique index on ${u.table}(${u.columns.join(', ')})`).toBe(true);
      }
    });

    it('reports a field schema.prisma declares that the database lacks', async () => {
      const edited = SCHEMA_PRISMA.replace(/(model Merchant \{\n)/, '$1  note String? @map("merchant_note")\n');
      expect(edited).not.toBe(SCHEMA_PRISMA);
      const diffs = compareSchemas(declaredSchema(edited), await introspect());
      expect(diffs).toEqual(['merchants.merchant_note: declared in schema.prisma (Merchant.note) but missing in the database']);
    });

    it('reports a changed nullability, type, default and unique index in schema.prisma', async () => {
      const edited = SCHEMA_PRISMA.replace(/^(\s+reference\s+)String\?/m, '$1String')
        .replace(/^(\s+schemaVersion\s+)Int(\s)/m, '$1BigInt$2')
        .replace(/(timezone\s+String\s+)@default\("UTC"\)/, '$1@default("Africa/Nairobi")')
        .replace(/(\n\s+)@@unique\(\[merchantId, merchantSeq\]\)/, '');
      const diffs = compareSchemas(declaredSchema(edited), await introspect());
      expect(diffs).toEqual(
        expect.arrayContaining([
          'payment_events.reference: declared required but the column is NULL',
          'payment_events.schema_version: dataType should be bigint but is integer',
          expect.stringMatching(/^merchants\.timezone: declares default "Africa\/Nairobi" but default is 'UTC'/),
          'payment_events: database unique payment_events_merchant_id_merchant_seq_key (merchant_id, merchant_seq) is not declared in schema.prisma',
        ]),
      );
    });

    it('reports tables, columns and indexes the database has but schema.prisma does not', async () => {
      // DDL is transactional in PostgreSQL: change the database, look, and roll it all back.
      const diffs = await db.withRawSession(INTROSPECTION_LOCK_KEY, async (session) => {
        await session.exec('BEGIN');
        try {
          await session.exec(`
            CREATE TABLE "stray" ("id" TEXT PRIMARY KEY);
            ALTER TABLE "merchants" ADD COLUMN "extra" TEXT;
            ALTER TABLE "api_keys" ALTER COLUMN "name" DROP NOT NULL;
            DROP INDEX "api_keys_prefix_key";`);
          return compareSchemas(DECLARED, await actualSchema(session));
        } finally {
          await session.exec('ROLLBACK');
        }
      });
      expect(diffs).toEqual(
        expect.arrayContaining([
          'table stray: in the database but not declared in schema.prisma',
          'merchants.extra: in the database but not declared in schema.prisma',
          'api_keys.name: declared required but the column is NULL',
          'api_keys: declared unique api_keys_prefix_key (prefix) is missing in the database',
        ]),
      );
      expect(diffs).toHaveLength(4);
      // And the rollback really restored it.
      expect(compareSchemas(DECLARED, await introspect())).toEqual([]);
    });
  });
}
