/**
 * Abuse corpus, HTTP transport: bodies that are not JSON or not a GraphQL request, content types,
 * methods, GET mutations, query strings, batched (array) bodies, hostile and oversized headers.
 * (The 10 MB body, plain and chunked, is in tests/payments/ingest.test.ts.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';
import { hostileString } from './arbitraries.js';
import { createTally, expectAlive, expectClean, FC, postAs, refusalTotal, refused, rowCounts, send } from './support.js';

vi.setConfig({ testTimeout: 120_000 });

const RUNS = { json: 40, shapes: 30, contentTypes: 20, methods: 15, get: 30, batches: 15, headers: 30 } as const;
const INGEST = 'mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }';

describe('abuse: HTTP requests', () => {
  let t: TestApp;
  let m: TestMerchant;
  const tally = createTally('http');
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0' } });
    m = await newMerchant(t);
  });
  afterAll(async () => {
    tally.print();
    await t?.stop();
  });

  /** Every refused request is counted in paypulse_refusals_total (under some reason). */
  async function counted<T extends { status: number; json: any; text: string }>(request: () => Promise<T>): Promise<T> {
    const before = await refusalTotal(t);
    const res = await request();
    if (refused(res)) expect(await refusalTotal(t), `refusal counted: ${res.status} ${res.text.slice(0, 120)}`).toBeGreaterThan(before);
    return res;
  }

  it('bodies that are not valid JSON: 400 with a code', async () => {
    const valid = JSON.stringify({ query: INGEST, variables: { e: eventInput() } });
    const broken = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: valid.length - 1 })).map(([n]) => valid.slice(0, n)),
      fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }),
      fc.constantFrom('{', '{"query":', "{'query':'{ me { subject } }'}", '{"query":"{ __typename }",}', 'NaN', '\u0000', '\ufeff{"query":"{__typename}"}', '{"query":"\\x"}'),
    );
    await fc.assert(
      fc.asyncProperty(broken, async (body) => {
        tally.hit('json');
        const before = await rowCounts(t);
        const res = await counted(() => postAs(t, m.token, body));
        expectClean(res, `json ${body.slice(0, 100)}`);
        expect(res.status).toBe(400);
        expect(await rowCounts(t)).toEqual(before);
      }),
      FC(RUNS.json),
    );
  });

  it('JSON that is not a GraphQL request: query, variables, operationName, extensions of the wrong type', async () => {
    const shape = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).filter((v) => !(v && typeof v === 'object' && !Array.isArray(v) && typeof (v as any).query === 'string')),
      fc.record({ query: fc.jsonValue({ maxDepth: 1 }), variables: fc.jsonValue({ maxDepth: 1 }), operationName: fc.jsonValue({ maxDepth: 1 }), extensions: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
      fc.record({ query: fc.constant(INGEST), variables: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer())), operationName: fc.oneof(fc.integer(), fc.constant('Nope')) }, { requiredKeys: ['query'] }),
    );
    await fc.assert(
      fc.asyncProperty(shape, async (body) => {
        tally.hit('shapes');
        const before = await rowCounts(t);
        const res = await counted(() => postAs(t, m.token, JSON.stringify(body)));
        expectClean(res, `shape ${JSON.stringify(body).slice(0, 200)}`);
        if (Array.isArray(body)) expect(res.json.errors[0].extensions.code).toBe('BATCHING_NOT_SUPPORTED');
        expect(refused(res)).toBe(true);
        expect(await rowCounts(t)).toEqual(before);
      }),
      FC(RUNS.shapes),
    );
  });

  it('content types: only JSON, GraphQL and form bodies are read; the rest is 415', async () => {
    const contentType = fc.oneof(
      fc.constantFrom('text/plain', 'application/xml', 'text/html', 'application/octet-stream', 'image/png', 'application/json; charset=utf-16', 'application/jsonx', 'multipart/form-data', 'multipart/form-data; boundary=', ''),
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(contentType, async (type) => {
        tally.hit('contentTypes');
        const res = await counted(() => send(t, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${m.token}` }, body: JSON.stringify({ query: '{ __typename }' }) }));
        expectClean(res, `content-type ${JSON.stringify(type)}`);
        if (!refused(res)) expect(res.json).toEqual({ data: { __typename: 'Query' } });
      }),
      FC(RUNS.contentTypes),
    );
  });

  it('methods other than GET and POST: 405 (or the answer for HEAD/OPTIONS), nothing run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND'), async (method) => {
        tally.hit('methods');
        const before = await rowCounts(t);
        const hasBody = !['HEAD', 'OPTIONS', 'TRACE'].includes(method);
        const res = await counted(() => send(t, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${m.token}` }, ...(hasBody ? { body: JSON.stringify({ query: INGEST, variables: { e: eventInput() } }) } : {}) }));
        expectClean(res, method);
        expect(await rowCounts(t)).toEqual(before);
      }),
      FC(RUNS.methods),
    );
  });

  it('GET: mutations are refused with 405, bad query-string JSON is 400, never 500', async () => {
    const params = fc.oneof(
      fc.record({ query: fc.constant(INGEST), variables: fc.constant(JSON.stringify({ e: eventInput() })) }),
      fc.record({ query: fc.constantFrom('{ __typename }', INGEST, 'mutation { revokeApiKey(id: "1") { id } }'), variables: fc.oneof(hostileString, fc.constantFrom('{', '[', '{"a":', 'null', '1')) }),
      fc.record({ query: fc.constantFrom('{ __typename }'), extensions: fc.oneof(hostileString, fc.constantFrom('{', '{"persistedQuery":')) }),
      fc.record({ query: hostileString, operationName: hostileString }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(params, async (p) => {
        tally.hit('get');
        const before = await rowCounts(t);
        const res = await counted(() => send(t, { method: 'GET', headers: { authorization: `Bearer ${m.token}` }, search: `?${new URLSearchParams(p as Record<string, string>)}` }));
        expectClean(res, `GET ${JSON.stringify(p).slice(0, 200)}`);
        if (p.query?.startsWith('mutation')) expect([400, 405]).toContain(res.status);
        expect(await rowCounts(t)).toEqual(before);
      }),
      FC(RUNS.get),
    );
  });

  // Regression: Yoga JSON.parses GET `variables` unguarded, which answered 500 "Unexpected error.".
  it('GET with variables that are not JSON is 400 BAD_REQUEST, counted as a refusal', async () => {
    tally.hit('hand-written');
    const before = await sample(t, 'paypulse_refusals_total{reason="BAD_REQUEST"}');
    const res = await send(t, { method: 'GET', headers: { authorization: `Bearer ${m.token}` }, search: `?query=${encodeURIComponent('{ __typename }')}&variables=%7B` });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(await sample(t, 'paypulse_refusals_total{reason="BAD_REQUEST"}')).toBe(before + 1);
  });

  it('batched (array) bodies are refused with BATCHING_NOT_SUPPORTED: no operation in them runs', async () => {
    const batch = fc.array(fc.oneof(fc.constant({ query: INGEST, variables: { e: eventInput() } }), fc.constant({ query: '{ __typename }' }), fc.jsonValue({ maxDepth: 1 })), { minLength: 0, maxLength: 50 });
    const refusedBefore = await sample(t, 'paypulse_refusals_total{reason="BATCHING_NOT_SUPPORTED"}');
    await fc.assert(
      fc.asyncProperty(batch, async (operations) => {
        tally.hit('batches');
        const before = await rowCounts(t);
        const res = await counted(() => postAs(t, m.token, operations));
        expectClean(res, `batch of ${operations.length}`);
        expect(res.status).toBe(400);
        expect(res.json.errors.map((e: any) => e.extensions.code)).toEqual(['BATCHING_NOT_SUPPORTED']);
        expect(await rowCounts(t)).toEqual(before);
      }),
      FC(RUNS.batches),
    );
    expect(await sample(t, 'paypulse_refusals_total{reason="BATCHING_NOT_SUPPORTED"}')).toBe(refusedBefore + RUNS.batches);
  });

  it('hostile Authorization and x-api-key values: 401 UNAUTHENTICATED, never 500; oversized headers 431', async () => {
    const value = fc.oneof(
      hostileString.map((s) => s.replace(/[^\x20-\x7e\x80-\xff]/g, '').trim()),
      fc.constantFrom('Bearer', 'Bearer ', 'Bearer a.b.c', 'Bearer ..', 'bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Basic dXNlcjpwYXNz', 'Bearer ' + 'a'.repeat(8000), 'ppk_', 'ppk__', 'ppk_x_y', 'ppk_' + 'z'.repeat(4000)),
    ).filter((s) => s.length > 0);
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('authorization', 'x-api-key'), async (v, header) => {
        tally.hit('headers');
        const res = await counted(() => send(t, { method: 'POST', headers: { 'content-type': 'application/json', [header]: v }, body: JSON.stringify({ query: '{ me { subject } }' }) }));
        expectClean(res, `${header}: ${v.slice(0, 60)}`);
        expect(refused(res)).toBe(true);
      }),
      FC(RUNS.headers),
    );
    tally.hit('hand-written');
    const big = await send(t, { method: 'POST', headers: { 'content-type': 'application/json', 'x-padding': 'a'.repeat(64 * 1024) }, body: '{"query":"{ __typename }"}' }).catch((e: Error) => ({ status: 431, json: undefined, text: e.message }));
    expect(big.status).toBe(431);
  });

  it(`ran ${Object.values(RUNS).reduce((a, b) => a + b, 0)}+ cases and the server still answers`, async () => {
    for (const [category, runs] of Object.entries(RUNS)) expect(tally.get(category), category).toBe(runs);
    await expectAlive(t, m.token);
  });
});
