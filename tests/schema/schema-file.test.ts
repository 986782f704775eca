/**
 * The committed schema.graphql is what typed clients are generated from, so it must be exactly what
 * the code serves: printed the way scripts/print-schema.ts prints it. Also a sanity check that the
 * core payment-event operations exist with the shapes clients rely on, in the code and in the file.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { GraphQLField, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { renderSchema, SCHEMA_FILE } from '../../scripts/print-schema.js';
import { schema } from '../../src/schema/index.js';

// One test spawns `npm run schema:check` (about 9 s on a loaded 2-core machine): the 30 s default is too close.
vi.setConfig({ testTimeout: 120_000 });

// The graphql instance Pothos built the schema with. Under the current vitest config, a plain
// `import 'graphql'` in test or source files resolves to graphql's index.mjs while dependencies
// (Pothos) load index.js, and graphql refuses to mix the two ("from another module or realm").
const { buildSchema, getNamedType, isInputObjectType, isObjectType, lexicographicSortSchema, printSchema, validateSchema } =
  createRequire(import.meta.url)('graphql') as typeof import('graphql');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const committed = readFileSync(SCHEMA_FILE, 'utf8');

describe('schema.graphql', () => {
  it('is the file at the repository root', () => {
    expect(SCHEMA_FILE).toBe(fileURLToPath(new URL('../../schema.graphql', import.meta.url)));
  });

  it('equals the Pothos schema exactly as `npm run schema:print` prints it (run it when this fails)', () => {
    expect(committed).toBe(renderSchema());
  });

  it('holds, after its header comment, exactly the code\'s schema printed in sorted order', () => {
    // The same print call as scripts/print-schema.ts, made with the graphql instance Pothos uses.
    const printed = printSchema(lexicographicSortSchema(schema));
    expect(committed.startsWith('# ')).toBe(true);
    expect(committed.slice(committed.indexOf('\n\n') + 2)).toBe(`${printed}\n`);
  });

  it('describes the same schema as the code, type by type', () => {
    // Independent of the header and of the printing: parse the file and print both the same way.
    const fromFile = buildSchema(committed);
    expect(validateSchema(fromFile)).toEqual([]);
    expect(printSchema(lexicographicSortSchema(fromFile))).toBe(printSchema(lexicographicSortSchema(schema)));
  });

  it('passes `npm run schema:check` (the CI gate)', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('npx', ['--no-install', 'tsx', 'scripts/print-schema.ts', '--check'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(code, output).toBe(0);
    expect(output).toContain('up to date');
  });
});

/** `Type!`-style rendering of a field's or argument's type. */
const typeOf = (x: { type: unknown }) => String(x.type);

function field(type: GraphQLObjectType | null | undefined, name: string): GraphQLField<unknown, unknown> {
  const f = type?.getFields()[name];
  if (!f) throw new Error(`${type?.name ?? '(missing type)'}.${name} does not exist`);
  return f;
}
const args = (f: GraphQLField<unknown, unknown>) => Object.fromEntries(f.args.map((a) => [a.name, typeOf(a)]));

for (const [source, s] of [
  ['the code', schema],
  ['schema.graphql', buildSchema(committed)],
] as [string, GraphQLSchema][]) {
  describe(`the payment-event operations in ${source}`, () => {
    it('is a valid schema', () => {
      expect(validateSchema(s)).toEqual([]);
    });

    it('has Query.paymentEvents(filter, first, after) as a Relay connection of PaymentEvent', () => {
      const f = field(s.getQueryType(), 'paymentEvents');
      expect(args(f)).toMatchObject({ filter: 'PaymentEventFilter', first: 'Int', after: 'String' });
      expect(typeOf(f)).toMatch(/!$/);
      const connection = getNamedType(f.type);
      expect(isObjectType(connection)).toBe(true);
      const edge = getNamedType(field(connection as GraphQLObjectType, 'edges').type) as GraphQLObjectType;
      expect(typeOf(field(edge, 'node'))).toBe('PaymentEvent!');
      expect(typeOf(field(edge, 'cursor'))).toBe('String!');
      const pageInfo = getNamedType(field(connection as GraphQLObjectType, 'pageInfo').type) as GraphQLObjectType;
      expect(Object.keys(pageInfo.getFields())).toEqual(expect.arrayContaining(['hasNextPage', 'endCursor']));
    });

    it('has Mutation.ingestPaymentEvent(event: PaymentEventInput!) and ingestPaymentEvents(events: [PaymentEventInput!]!)', () => {
      const one = field(s.getMutationType(), 'ingestPaymentEvent');
      expect(args(one)).toEqual({ event: 'PaymentEventInput!' });
      expect(typeOf(one)).toMatch(/!$/);
      const payload = getNamedType(one.type) as GraphQLObjectType;
      expect(Object.keys(payload.getFields())).toEqual(expect.arrayContaining(['event', 'duplicate']));

      const many = field(s.getMutationType(), 'ingestPaymentEvents');
      expect(args(many)).toEqual({ events: '[PaymentEventInput!]!' });
      const batch = getNamedType(many.type) as GraphQLObjectType;
      // SPEC §6: a batch returns ingested, duplicates, and per-item errors.
      expect(Object.keys(batch.getFields())).toEqual(expect.arrayContaining(['ingested', 'duplicates', 'errors']));
      expect(isInputObjectType(s.getType('PaymentEventInput'))).toBe(true);
    });

    it('has Subscription.paymentEvents(filter, after) streaming PaymentEvent!', () => {
      const f = field(s.getSubscriptionType(), 'paymentEvents');
      expect(args(f)).toEqual({ filter: 'PaymentEventFilter', after: 'String' });
      expect(typeOf(f)).toBe('PaymentEvent!');
    });

    it('filters by types, providers, currencies, payment methods, minimum amount and customer (SPEC §6)', () => {
      const filter = s.getType('PaymentEventFilter');
      if (!isInputObjectType(filter)) throw new Error('PaymentEventFilter is not an input type');
      expect(Object.keys(filter.getFields())).toEqual(
        expect.arrayContaining(['types', 'providers', 'currencies', 'paymentMethods', 'minAmountMinor', 'customerId']),
      );
    });

    it('exposes money as Money { amountMinor: BigInt!, currency: String!, amount: String! }, never a float', () => {
      const money = s.getType('Money') as GraphQLObjectType;
      expect(isObjectType(money)).toBe(true);
      expect(typeOf(field(money, 'amountMinor'))).toBe('BigInt!');
      expect(typeOf(field(money, 'currency'))).toBe('String!');
      expect(typeOf(field(money, 'amount'))).toBe('String!');
      const event = s.getType('PaymentEvent') as GraphQLObjectType;
      expect(typeOf(field(event, 'amount'))).toBe('Money!');
      const floats = Object.values(event.getFields()).filter((f) => getNamedType(f.type).name === 'Float');
      expect(floats.map((f) => f.name)).toEqual([]);
    });
  });
}
