/** Depth, breadth, complexity and token caps: refused with a code before any resolver runs, on HTTP and WebSocket. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { sample } from '../support/metrics.js';
import { rowCounts } from '../abuse/support.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';

// With the GraphQL-over-HTTP media type, refused documents are 400 (with application/json they are 200 + errors).
const SPEC_MEDIA = { accept: 'application/graphql-response+json' };

describe('query limits', () => {
  let t: TestApp;
  let m: TestMerchant;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { MAX_QUERY_DEPTH: '4', MAX_QUERY_BREADTH: '40', MAX_QUERY_COMPLEXITY: '100', MAX_QUERY_TOKENS: '2000' } });
    m = await newMerchant(t);
  });
  afterAll(() => t?.stop());

  it('answers ordinary operations under the limits', async () => {
    const res = await t.gql(IngestOne, { event: eventInput() }, { token: m.token });
    expect(res.errors).toBeUndefined();
    expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');
  });

  it('refuses a document over the token cap with QUERY_TOO_LARGE (10,000 aliases) and runs nothing', async () => {
    const before = await sample(t, 'paypulse_refusals_total{reason="QUERY_TOO_LARGE"}');
    const aliases = Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ');
    const res = await t.post({ query: `{ ${aliases} }` }, { token: m.token, headers: SPEC_MEDIA });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('QUERY_TOO_LARGE');
    expect(res.json.data).toBeUndefined();
    expect(await sample(t, 'paypulse_refusals_total{reason="QUERY_TOO_LARGE"}')).toBe(before + 1);
  });

  it('keeps a verdict per document and variables: a repeated document is judged alike, and every refusal is counted', async () => {
    const cheap = 'query Page($n: Int) { paymentEvents(first: $n) { edges { node { eventId } } } }';
    const codes = [];
    for (const n of [1, 'many', 1, 'many']) {
      const res = await t.post({ query: cheap, variables: { n }, operationName: 'Page' }, { token: m.token });
      codes.push(res.json.errors?.[0]?.extensions?.code ?? 'OK');
    }
    expect(codes).toEqual(['OK', 'BAD_USER_INPUT', 'OK', 'BAD_USER_INPUT']);

    const lists = Array.from({ length: 8 }, (_, i) => `p${i}: paymentEvents(first: $n) { edges { node { eventId type } } }`).join(' ');
    const before = await sample(t, 'paypulse_refusals_total{reason="QUERY_TOO_COMPLEX"}');
    for (let i = 0; i < 2; i++) {
      const res = await t.post({ query: `query Costly($n: Int) { ${lists} }`, variables: { n: 1 } }, { token: m.token });
      expect(res.json.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    }
    expect(await sample(t, 'paypulse_refusals_total{reason="QUERY_TOO_COMPLEX"}')).toBe(before + 2);
  });

  it('refuses variables of the wrong type as a request error: 400 with the GraphQL-over-HTTP media type, 200 with application/json, every time, storing nothing', async () => {
    const query = 'mutation Ingest($event: PaymentEventInput!) { ingestPaymentEvent(event: $event) { status } }';
    const before = await rowCounts(t);
    for (const [headers, status] of [[SPEC_MEDIA, 400], [SPEC_MEDIA, 400], [{ accept: 'application/json' }, 200]] as const) {
      const res = await t.post({ query, variables: { event: { ...eventInput(), amountMinor: 'a lot' } } }, { token: m.token, headers });
      expect(res.status).toBe(status);
      expect(res.json.data).toBeUndefined();
      expect(res.json.errors.map((e: { extensions: Record<string, unknown> }) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT' }]);
    }
    // Over WebSocket the same refusal, without Yoga's HTTP hint in its extensions.
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const errors = await new Promise<{ extensions?: Record<string, unknown> }[]>((resolve) =>
      client.subscribe({ query, variables: { event: { ...eventInput(), amountMinor: 'a lot' } } }, { next: () => {}, error: (e) => resolve(e as never), complete: () => resolve([]) }),
    );
    expect(errors.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT' }]);
    expect(await rowCounts(t)).toEqual(before);
  });

  it('refuses a document deeper than MAX_QUERY_DEPTH with QUERY_TOO_DEEP, before resolving anything', async () => {
    // paymentEvents > edges > node > amount > amount: depth 5, one over the limit of this app.
    const res = await t.post({ query: '{ paymentEvents(first: 1) { edges { node { amount { amount } } } } }' }, { token: m.token, headers: SPEC_MEDIA });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 5, max: 4 });
    expect(res.json.data).toBeUndefined();
  });

  it('refuses depth 50 cleanly (400 with codes, no resolver run)', async () => {
    let deep = 'amount';
    for (let i = 0; i < 50; i++) deep = `amount { ${deep} }`;
    const res = await t.post({ query: `{ paymentEvents(first: 1) { edges { node { ${deep} } } } }` }, { token: m.token, headers: SPEC_MEDIA });
    expect(res.status).toBe(400);
    const codes: string[] = res.json.errors.map((e: { extensions?: { code?: string } }) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 'QUERY_TOO_DEEP' || c === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
  });

  it('refuses too many selections with QUERY_TOO_BROAD and too costly lists with QUERY_TOO_COMPLEX', async () => {
    const fields = Array.from({ length: 60 }, (_, i) => `f${i}: __typename`).join(' ');
    const broad = await t.post({ query: `{ merchant { ${fields.replaceAll('__typename', 'id')} } }` }, { token: m.token });
    expect(broad.json.errors[0].extensions.code).toBe('QUERY_TOO_BROAD');

    const lists = Array.from({ length: 8 }, (_, i) => `p${i}: paymentEvents(first: 100) { edges { node { eventId type } } }`).join(' ');
    const costly = await t.post({ query: `{ ${lists} }` }, { token: m.token });
    expect(costly.json.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('applies the same limits to subscriptions over WebSocket; the socket stays open', async () => {
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const aliases = Array.from({ length: 3000 }, (_, i) => `a${i}: eventId`).join(' ');
    const errors = await new Promise<unknown[]>((resolve) =>
      client.subscribe({ query: `subscription { paymentEvents { ${aliases} } }` }, { next: () => {}, error: (e) => resolve(e as unknown[]), complete: () => resolve([]) }),
    );
    expect((errors as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('QUERY_TOO_LARGE');
    const typename = await new Promise<unknown>((resolve, reject) =>
      client.subscribe({ query: '{ __typename }' }, { next: (v) => resolve(v), error: reject, complete: () => {} }),
    );
    expect(typename).toEqual({ data: { __typename: 'Query' } });
  });
});
