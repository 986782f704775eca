/**
 * The ingest transaction (issue 18). Ingest effects only run raw SQL inside it, so they are
 * written against `SqlTx`, the raw part of Prisma's transaction client, and the pipeline takes a
 * `RunTransaction`:
 * - on PostgreSQL, `pgTransactions` runs it on a `pg` session from the pool Prisma uses. Prisma's
 *   raw path costs about twice the driver's CPU per statement and per returned row (measured with
 *   bench/profile-ingest.ts and docs/architecture.md); its results are mapped exactly as Prisma maps
 *   raw results (int8 → bigint, numeric → Decimal, timestamp and date → Date in UTC), so every
 *   effect reads the same values on either path;
 * - on PGlite, `prismaTransactions` keeps Prisma's interactive transaction.
 * Both give up waiting for a connection after `maxWaitMs` and refuse statements once the
 * transaction ran `timeoutMs`, as Prisma's `$transaction` options do; the errors they throw are
 * transient (src/lib/transient.ts), so callers answer SERVICE_UNAVAILABLE and retry.
 */
import pg from 'pg';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

/** What runs inside an ingest transaction: raw SQL, with Prisma's raw-query signatures and result types. */
export interface SqlTx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}

export interface TransactionOptions {
  /**
   * The transaction's statements carry arrays of at most a few rows (a single event): PostgreSQL
   * may reuse a generic plan of its prepared statements. Otherwise every execution is planned
   * for its own arrays, since a generic plan made for a few rows is far slower for a thousand.
   */
  fewRows?: boolean;
  /**
   * The transaction's first statement, its parameters `$1`, `$2` … all text: its rows are handed
   * to the work as `opened`. On the driver session it leaves with BEGIN in one round trip (one
   * simple query, its parameters as escaped literals); `$n` in `text` must only be parameters.
   */
  opening?: Opening;
}

export interface Opening {
  text: string;
  values: readonly string[];
}

export type RunTransaction = <T>(fn: (tx: SqlTx, opened: unknown[]) => Promise<T>, options?: TransactionOptions) => Promise<T>;

export interface TransactionLimits {
  /** Longest wait for a connection before the transaction starts. */
  maxWaitMs: number;
  /** Longest a transaction may run; later statements and the commit are refused. */
  timeoutMs: number;
}

export function prismaTransactions(prisma: PrismaClient, { maxWaitMs, timeoutMs }: TransactionLimits): RunTransaction {
  // Prisma's statements are unnamed, planned on every execution: there is no plan to choose.
  return (fn, { opening } = {}) =>
    prisma.$transaction(async (tx) => fn(tx, opening ? await tx.$queryRawUnsafe<unknown[]>(opening.text, ...opening.values) : []), {
      maxWait: maxWaitMs,
      timeout: timeoutMs,
    });
}

const OID = { int8: 20, int8Array: 1016, numeric: 1700, numericArray: 1231, timestamp: 1114, timestampArray: 1115, date: 1082, dateArray: 1182 } as const;

const timestamptz = pg.types.getTypeParser(1184, 'text') as (value: string) => Date;
/** `timestamp` without a zone is UTC, as Prisma reads it. */
const utcTimestamp = (value: string) => timestamptz(`${value}+00`);
const utcDate = (value: string) => new Date(`${value}T00:00:00.000Z`);
/** pg's parser for a text array; element parsers run on what it returns. */
const textArray = (pg.types.getTypeParser as (oid: number, format: 'text') => (value: string) => (string | null)[])(1009, 'text');
const arrayOf =
  <T>(element: (value: string) => T) =>
  (value: string) =>
    textArray(value).map((v) => (v === null ? null : element(v)));

const PARSERS = new Map<number, (value: string) => unknown>([
  [OID.int8, BigInt],
  [OID.int8Array, arrayOf(BigInt)],
  [OID.numeric, (v) => new Prisma.Decimal(v)],
  [OID.numericArray, arrayOf((v) => new Prisma.Decimal(v))],
  [OID.timestamp, utcTimestamp],
  [OID.timestampArray, arrayOf(utcTimestamp)],
  [OID.date, utcDate],
  [OID.dateArray, arrayOf(utcDate)],
]);

/** Prisma's raw-result types on top of pg's own parsers (text, int4, bool, json, timestamptz, text[] …). */
const PRISMA_TYPES = {
  getTypeParser(oid: number, format?: string) {
    return (format ?? 'text') === 'text' ? (PARSERS.get(oid) ?? pg.types.getTypeParser(oid, 'text')) : pg.types.getTypeParser(oid, format as 'binary');
  },
};

/**
 * Parameters as Prisma sends them: a Date in UTC (pg would write local time, which a `timestamp`
 * column keeps as is), a Decimal as its digits (pg would send it as JSON, a quoted string).
 */
const toParam = (value: unknown): unknown =>
  value instanceof Date ? value.toISOString() : Prisma.Decimal.isDecimal(value) ? value.toString() : Array.isArray(value) ? value.map(toParam) : value;

/**
 * The ingest's statements are a few fixed texts: each runs as a named prepared statement, parsed
 * once per session (pg keeps the names per connection) instead of on every execution. Bounded,
 * since every session keeps what it prepared: texts beyond the first PREPARED_TEXTS (say, an `IN`
 * list of varying length) run unnamed.
 */
const PREPARED_TEXTS = 200;
const statementNames = new Map<string, string>();
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < PREPARED_TEXTS) {
    name = `paypulse_ingest_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

export function pgTransactions(pool: pg.Pool, { maxWaitMs, timeoutMs }: TransactionLimits): RunTransaction {
  return async (fn, { fewRows = false, opening } = {}) => {
    const client = await connectWithin(pool, maxWaitMs);
    let expired = false;
    let closed = false;
    const timer = setTimeout(() => (expired = true), timeoutMs);
    timer.unref();
    const query = async (text: string, values: readonly unknown[]) => {
      if (closed) throw new Error('Transaction already closed: a statement arrived after the ingest transaction ended');
      if (expired) throw new Error(`Transaction already closed: the ingest transaction ran longer than ${timeoutMs} ms`);
      return client.query({ name: statementName(text), text, values: values.map(toParam), types: PRISMA_TYPES });
    };
    const template = (q: TemplateStringsArray | Prisma.Sql, values: unknown[]) => (q instanceof Prisma.Sql ? q : Prisma.sql(q, ...(values as Prisma.Sql[])));
    const tx: SqlTx = {
      $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) => (await query(text, values)).rows as T,
      $executeRawUnsafe: async (text, ...values) => (await query(text, values)).rowCount ?? 0,
      $queryRaw: async <T>(q: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => {
        const sql = template(q, values);
        return (await query(sql.text, sql.values)).rows as T;
      },
      $executeRaw: async (q, ...values) => {
        const sql = template(q, values);
        return (await query(sql.text, sql.values)).rowCount ?? 0;
      },
    };
    // A session whose connection failed, or whose ROLLBACK did, is in an unknown state: it is
    // destroyed, not reused. A checked-out pg client emits its connection's errors itself (the
    // pool listens only to idle ones): unheard, such an 'error' would end the process.
    let unusable: Error | undefined;
    const onError = (error: Error) => (unusable ??= error);
    client.on('error', onError);
    try {
      // One round trip (a simple query may hold several statements); SET LOCAL ends with the transaction.
      const begin = fewRows ? 'BEGIN' : 'BEGIN; SET LOCAL plan_cache_mode = force_custom_plan';
      let opened: unknown[] = [];
      if (opening) {
        const first = opening.text.replace(/\$(\d+)/g, (_, n: string) => client.escapeLiteral(opening.values[Number(n) - 1]!));
        // Several statements answer one result each; the opening's is the last.
        const results = (await client.query({ text: `${begin}; ${first}`, types: PRISMA_TYPES })) as unknown as pg.QueryResult[];
        opened = results.at(-1)!.rows;
      } else {
        await client.query(begin);
      }
      const result = await fn(tx, opened);
      if (expired) throw new Error(`Transaction already closed: the ingest transaction ran longer than ${timeoutMs} ms`);
      closed = true;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      closed = true;
      await client.query('ROLLBACK').catch((rollbackError: Error) => (unusable = rollbackError));
      throw error;
    } finally {
      closed = true;
      clearTimeout(timer);
      client.off('error', onError);
      client.release(unusable);
    }
  };
}

/** A pooled session, or a transient error after `maxWaitMs`; a session that arrives later goes back to the pool. */
async function connectWithin(pool: pg.Pool, maxWaitMs: number): Promise<pg.PoolClient> {
  let timer: NodeJS.Timeout | undefined;
  let gaveUp = false;
  const connecting = pool.connect();
  try {
    return await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          gaveUp = true;
          reject(new Error(`timeout exceeded when trying to connect: no database session for the ingest transaction within ${maxWaitMs} ms`));
        }, maxWaitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (gaveUp) connecting.then((late) => late.release(), () => {});
  }
}
