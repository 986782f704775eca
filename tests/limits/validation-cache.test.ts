/**
 * graphql-js validation runs once per document, not once per request: Yoga's engine hands every
 * validation graphql-js's specified rules, and useQueryLimits keeps the verdict for those rules.
 * The limits are measured once per document where no variable can change them (no variable in a
 * directive, no field whose complexity reads its arguments), else per variables; variables of the
 * wrong type are refused on every request either way.
 */
import { GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../src/lib/metrics.js';
import { useQueryLimits } from '../../src/server/plugins/query-limits.js';

// Counts the complexity rules useQueryLimits makes: one per measure it takes.
const rules = vi.hoisted(() => ({ made: 0 }));
vi.mock('@pothos/plugin-complexity', async (importOriginal) => {
  const real = await importOriginal<typeof import('@pothos/plugin-complexity')>();
  return {
    ...real,
    createComplexityRule: (...args: Parameters<typeof real.createComplexityRule>) => {
      rules.made += 1;
      return real.createComplexityRule(...args);
    },
  };
});

function countingValidation(): { plugin: Plugin; runs: () => number } {
  let runs = 0;
  return {
    runs: () => runs,
    plugin: {
      onValidate({ validateFn, setValidationFn }) {
        setValidationFn((...args) => {
          runs++;
          return validateFn(...args);
        });
      },
    },
  };
}

function server(limits = { maxTokens: 1000, maxDepth: 10, maxBreadth: 50, maxComplexity: 1000 }) {
  const counter = countingValidation();
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { items(first: Int): [String!]! }', resolvers: { Query: { items: (_: unknown, { first }: { first?: number }) => Array.from({ length: first ?? 1 }, (_, i) => `i${i}`) } } }),
    parserAndValidationCache: { validationCache: false },
    plugins: [useQueryLimits(limits, createMetrics({ defaultMetrics: false })), counter.plugin],
  });
  const post = async (body: unknown) => (await yoga.fetch('http://paypulse.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  return { post, runs: counter.runs };
}

describe('validation cache', () => {
  it('validates a repeated document once, whatever its variables', async () => {
    const s = server();
    const query = 'query Items($n: Int) { items(first: $n) }';
    for (const n of [1, 2, 3, 1, 2]) expect(await s.post({ query, variables: { n } })).toEqual({ data: { items: Array.from({ length: n }, (_, i) => `i${i}`) } });
    expect(s.runs()).toBe(1);
    await s.post({ query: '{ items }' });
    expect(s.runs()).toBe(2);
  });

  it('keeps an invalid document invalid for every request, answered from the first verdict', async () => {
    const s = server();
    const first = await s.post({ query: '{ nope }' });
    const second = await s.post({ query: '{ nope }' });
    expect(first.errors[0].message).toMatch(/Cannot query field "nope"/);
    expect(second).toEqual(first);
    expect(s.runs()).toBe(1);
  });

  it('measures a document once whatever its variables, and still refuses variables of the wrong type on every request', async () => {
    const s = server();
    const query = 'query Items($n: Int) { items(first: $n) }';
    const before = rules.made;
    for (const n of [1, 2, 3, 4]) expect((await s.post({ query, variables: { n } })).data.items).toHaveLength(n);
    expect(rules.made - before).toBe(1);
    for (let i = 0; i < 2; i++) {
      const body = await s.post({ query, variables: { n: 'many' } });
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(/\$n/);
    }
    expect(rules.made - before).toBe(1);
  });

  it('refuses a document over a limit for every caller once it is measured, whatever the variables', async () => {
    const s = server({ maxTokens: 1000, maxDepth: 10, maxBreadth: 3, maxComplexity: 1000 });
    const query = 'query Many($n: Int) { a: items(first: $n) b: items(first: $n) c: items(first: $n) d: items(first: $n) }';
    for (const n of [1, 2, 3]) expect((await s.post({ query, variables: { n } })).errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['QUERY_TOO_BROAD']);
    // Variables of the wrong type are the first refusal, as when the document is measured afresh.
    expect((await s.post({ query, variables: { n: 'many' } })).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('measures per variables where a field’s complexity is a function of its arguments: the verdict follows them', async () => {
    // A field whose complexity reads `first`, as Pothos keeps it: in the field's extensions.
    const Query = new GraphQLObjectType({
      name: 'Query',
      fields: { items: { type: new GraphQLList(GraphQLString), args: { first: { type: GraphQLInt } }, extensions: { complexity: (args: { first?: number }) => args.first ?? 1 }, resolve: () => [] } },
    });
    const yoga = createYoga({
      schema: new GraphQLSchema({ query: Query }),
      parserAndValidationCache: { validationCache: false },
      plugins: [useQueryLimits({ maxTokens: 1000, maxDepth: 10, maxBreadth: 50, maxComplexity: 100 }, createMetrics({ defaultMetrics: false }))],
    });
    const query = 'query Items($n: Int) { items(first: $n) }';
    const before = rules.made;
    const verdicts = [];
    for (const n of [5, 500, 5, 500]) {
      const res = await yoga.fetch('http://paypulse.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { n } }) });
      verdicts.push((await res.json()).errors?.[0]?.extensions?.code ?? 'OK');
    }
    expect(verdicts).toEqual(['OK', 'QUERY_TOO_COMPLEX', 'OK', 'QUERY_TOO_COMPLEX']);
    // Measured once for each variable set, then answered from the per-variables verdict.
    expect(rules.made - before).toBe(2);
  });
});
