/**
 * graphql-js validation runs once per document, not once per request: Yoga's engine hands every
 * validation graphql-js's specified rules, and useQueryLimits keeps the verdict for those rules.
 * The limits (which depend on the variables) are still judged per variables.
 */
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/lib/metrics.js';
import { useQueryLimits } from '../../src/server/plugins/query-limits.js';

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

function server() {
  const counter = countingValidation();
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { items(first: Int): [String!]! }', resolvers: { Query: { items: (_: unknown, { first }: { first?: number }) => Array.from({ length: first ?? 1 }, (_, i) => `i${i}`) } } }),
    parserAndValidationCache: { validationCache: false },
    plugins: [useQueryLimits({ maxTokens: 1000, maxDepth: 10, maxBreadth: 50, maxComplexity: 1000 }, createMetrics({ defaultMetrics: false })), counter.plugin],
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
});
