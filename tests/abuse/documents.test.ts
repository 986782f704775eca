/**
 * Abuse corpus, GraphQL documents over HTTP: random token soups, mutated valid operations, deep
 * nesting (selections, list and object values), cyclic fragments, unknown fields and variables
 * of the wrong type. Every case gets a clean refusal (codes on every error, never a 5xx or a
 * masked error) or a correct answer, and the server answers afterwards.
 */
import fc from 'fast-check';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { CreateApiKey, IngestMany, IngestOne, ListEvents, LiveEvents, Me, MerchantQuery } from '../support/operations.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';
import { hostileString } from './arbitraries.js';
import { createTally, expectAlive, expectClean, FC, postAs, refusalTotal, refused, rowCounts } from './support.js';

vi.setConfig({ testTimeout: 120_000 });

const RUNS = { tokens: 80, mutated: 80, nesting: 30, cycles: 15, variables: 40 } as const;

const TOKENS = [
  'query', 'mutation', 'subscription', 'fragment', 'on', 'Query', 'Mutation', 'PaymentEvent', '{', '}', '(', ')', '[', ']', ':', '...', '!', '=', '$e', '$x', '@include(if: true)',
  '@skip(if: $x)', '@deprecated', 'paymentEvents', 'edges', 'node', 'eventId', 'amount', 'amountMinor', 'merchant', 'me', 'subject', '__typename', '__schema', '__type(name: "Query")',
  'types { name fields { name } }', 'ingestPaymentEvent', 'revokeApiKey', 'createApiKey', 'first: 1', 'first: -1', 'first: 99999999999', 'after: "x"', 'filter: {}', 'Int', 'String',
  'PaymentEventInput', '"str"', '"\\u0000"', '"\\ud800"', '"""block"""', '123', '-1', '1.5e9', 'true', 'null', '#comment\n', ',', 'nope', 'id', 'a: __typename', '&', '|', '%', '\u0000', '\ud800',
];

const VALID = [IngestOne, IngestMany, ListEvents, LiveEvents, Me, MerchantQuery, CreateApiKey].map((d) => print(d));

describe('abuse: GraphQL documents over HTTP', () => {
  let t: TestApp;
  let m: TestMerchant;
  const tally = createTally('documents');
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0' } });
    m = await newMerchant(t);
  });
  afterAll(async () => {
    tally.print();
    await t?.stop();
  });

  async function documentCase(category: string, body: unknown) {
    tally.hit(category);
    const before = await refusalTotal(t);
    const res = await postAs(t, m.token, body);
    expectClean(res, `${category} ${JSON.stringify(body).slice(0, 300)}`);
    // A request refused before any resolver ran (errors without a path) is counted as a refusal.
    const requestErrors = (res.json?.errors ?? []).filter((e: { path?: unknown }) => e.path === undefined);
    if (res.status >= 400 || requestErrors.length > 0) expect(await refusalTotal(t), `counted: ${res.text.slice(0, 200)}`).toBeGreaterThan(before);
    return res;
  }

  it('random token soups', async () => {
    const doc = fc.array(fc.oneof(fc.constantFrom(...TOKENS), hostileString.map((s) => s.slice(0, 20))), { minLength: 1, maxLength: 60 }).map((ts) => ts.join(' '));
    await fc.assert(fc.asyncProperty(doc, async (query) => void (await documentCase('tokens', { query }))), FC(RUNS.tokens));
  });

  it('valid operations with characters deleted, inserted, replaced or repeated', async () => {
    const edit = fc.record({ kind: fc.constantFrom('delete', 'insert', 'replace', 'repeat'), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.oneof(fc.constantFrom('{', '}', '(', ')', '$', '!', '...', '"', '\\', '\u0000', '\ud800', '\n', '#', '@', ':'), hostileString.map((s) => s.slice(0, 8))) });
    const mutated = fc.tuple(fc.constantFrom(...VALID), fc.array(edit, { minLength: 1, maxLength: 5 })).map(([source, edits]) =>
      edits.reduce((doc, e) => {
        const i = Math.floor(e.at * doc.length);
        if (e.kind === 'delete') return doc.slice(0, i) + doc.slice(i + 1 + e.text.length);
        if (e.kind === 'insert') return doc.slice(0, i) + e.text + doc.slice(i);
        if (e.kind === 'replace') return doc.slice(0, i) + e.text + doc.slice(i + e.text.length);
        return doc.slice(0, i) + doc.slice(i, i + 20).repeat(3) + doc.slice(i + 20);
      }, source),
    );
    await fc.assert(fc.asyncProperty(mutated, async (query) => void (await documentCase('mutated', { query, variables: {} }))), FC(RUNS.mutated));
  });

  it('deep nesting: selections, list values and object values far past the depth and token limits', async () => {
    const nesting = fc.oneof(
      fc.integer({ min: 13, max: 2000 }).map((d) => `{ ${'me { '.repeat(d)}subject${' }'.repeat(d)} }`),
      fc.integer({ min: 13, max: 2600 }).map((d) => `{ paymentEvents(first: 1, filter: { providers: ${'['.repeat(d)}"x"${']'.repeat(d)} }) { edges { cursor } } }`),
      fc.integer({ min: 13, max: 2600 }).map((d) => `{ paymentEvents(first: 1, filter: ${'{ a: '.repeat(d)}1${' }'.repeat(d)}) { edges { cursor } } }`),
    );
    // Nested inline fragments add no field depth: a correct answer, or a refusal by the token cap.
    const fragments = fc.integer({ min: 13, max: 1500 }).map((d) => `{ ${'...on Query { '.repeat(d)}__typename${' }'.repeat(d)} }`);
    await fc.assert(
      fc.asyncProperty(nesting, async (query) => {
        const res = await documentCase('nesting', { query });
        expect(refused(res)).toBe(true);
      }),
      FC(RUNS.nesting - 10),
    );
    await fc.assert(
      fc.asyncProperty(fragments, async (query) => {
        const res = await documentCase('nesting', { query });
        if (!refused(res)) expect(res.json).toEqual({ data: { __typename: 'Query' } });
        else expect(res.json.errors[0].extensions.code).toBe('QUERY_TOO_LARGE');
      }),
      FC(10),
    );
  });

  it('cyclic fragments of any length are refused at validation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (n) => {
        const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { __typename ...F${(i + 1) % n} }`).join(' ');
        const res = await documentCase('cycles', { query: `query { ...F0 } ${fragments}` });
        expect(res.json.errors.map((e: any) => e.extensions.code)).toContain('GRAPHQL_VALIDATION_FAILED');
      }),
      FC(RUNS.cycles),
    );
  });

  it('variables of the wrong type for every typed operation: refused, nothing written', async () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileString, fc.constantFrom(1.5, -1, 2 ** 53, '1e3', [], {}, null));
    const vars = fc.tuple(fc.constantFrom(...VALID.filter((q) => q.includes('$'))), fc.dictionary(fc.constantFrom('event', 'events', 'filter', 'first', 'after', 'order', 'id', 'name', 'expiresAt', 'merchantId'), value));
    await fc.assert(
      fc.asyncProperty(vars, async ([query, variables]) => {
        const before = await rowCounts(t);
        const res = await documentCase('variables', { query, variables });
        // A variable set that happens to be valid may run; a refused one changes nothing.
        if (refused(res) && !res.json?.data) expect(await rowCounts(t)).toEqual(before);
      }),
      FC(RUNS.variables),
    );
  });

  // Regression: a refusal caused by one request's variables was cached with the document, so the
  // same operation kept failing for every later caller (and a cheap first use let a costly one through).
  it('a refusal caused by variables is not remembered for the next request with the same document', async () => {
    const query = 'query Page($first: Int) { paymentEvents(first: $first) { edges { cursor } } }';
    const bad = await documentCase('hand-written', { query, variables: { first: 'many' } });
    expect(bad.json.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    const good = await documentCase('hand-written', { query, variables: { first: 1 } });
    expect(good.json).toEqual({ data: { paymentEvents: { edges: [] } } });

    const envelopes = 'mutation Env($e: [JSON!]!) { ingestEnvelopes(envelopes: $e) { rejected } }';
    expect((await documentCase('hand-written', { query: envelopes, variables: { e: [null] } })).json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await documentCase('hand-written', { query: envelopes, variables: { e: [{}] } })).json).toEqual({ data: { ingestEnvelopes: { rejected: 1 } } });
  });

  it(`ran ${Object.values(RUNS).reduce((a, b) => a + b, 0)}+ cases and the server still answers`, async () => {
    for (const [category, runs] of Object.entries(RUNS)) expect(tally.get(category), category).toBe(runs);
    await expectAlive(t, m.token);
  });
});
