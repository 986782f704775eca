/**
 * Error masking (src/server/plugins/error-masking.ts, in place of Yoga's): an unexpected error
 * reaches the client as "Unexpected error." with INTERNAL_SERVER_ERROR and none of its text,
 * wherever it happens — a resolver over HTTP and graphql-ws, a subscription of its own, building
 * the context — while client errors keep their message and code. With ERROR_DETAILS the original
 * travels in `extensions.originalError`. (Cohort members: tests/edge/cohorts-app.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { MerchantQuery } from '../support/operations.js';
import { newMerchant } from '../support/tenants.js';

const SECRET = 'relation "secret_table" does not exist';

/** Replaces `object[key]` with `replacement` for the duration of `run`. */
async function replaced<T extends object, K extends keyof T>(object: T, key: K, replacement: T[K], run: () => Promise<void>) {
  const real = object[key];
  object[key] = replacement;
  try {
    await run();
  } finally {
    object[key] = real;
  }
}

function wsQuery(t: TestApp, token: string, query: string, variables: Record<string, unknown> = {}) {
  const client = t.wsClient({ authorization: `Bearer ${token}` });
  return new Promise<{ results: any[]; error?: unknown }>((resolve) => {
    const results: any[] = [];
    client.subscribe(
      { query, variables },
      {
        next: (r) => void results.push(r),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  }).finally(() => client.dispose());
}

describe('error masking, ERROR_DETAILS off (production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0', ERROR_DETAILS: '0' } });
  });
  afterAll(() => t?.stop());

  it('masks a resolver that fails unexpectedly, over HTTP and graphql-ws', async () => {
    const m = await newMerchant(t);
    await replaced(t.domain.merchants, 'get', async () => Promise.reject(new Error(SECRET)), async () => {
      const http = await t.gql(MerchantQuery, {}, { token: m.token });
      expect(JSON.stringify(http)).not.toContain('secret_table');
      expect(http.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
      const ws = await wsQuery(t, m.token, 'query { merchant { id name } }');
      expect(JSON.stringify(ws)).not.toContain('secret_table');
      expect(ws.results.flatMap((r) => r.errors).map((e: any) => [e.message, e.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
    });
  });

  it('keeps a client error as it is', async () => {
    const m = await newMerchant(t);
    await replaced(t.domain.merchants, 'get', async () => undefined, async () => {
      const http = await t.gql(MerchantQuery, {}, { token: m.token });
      expect(http.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      expect(http.errors?.[0]?.message).toBe(`merchant ${m.id} does not exist`);
    });
  });

  it('masks a subscription of its own whose stream fails unexpectedly', async () => {
    const m = await newMerchant(t);
    await replaced(
      t.domain.feeds,
      'paymentEvents',
      async function* () {
        throw new Error(SECRET);
      },
      async () => {
        // `after` given: not shared, so masked on its own stream.
        const ws = await wsQuery(t, m.token, 'subscription($after: String) { paymentEvents(after: $after) { eventId } }', { after: '0' });
        expect(JSON.stringify(ws)).not.toContain('secret_table');
        expect(ws.results.flatMap((r) => r.errors).map((e: any) => [e.message, e.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
      },
    );
  });

  it('masks an unexpected failure while building the context (checking an API key)', async () => {
    const m = await newMerchant(t);
    const key = await t.domain.apiKeys.create({ merchantId: m.id, name: 'masking' });
    await replaced(t.domain.apiKeys, 'verify', async () => Promise.reject(new Error(SECRET)), async () => {
      const res = await t.post({ query: '{ me { subject } }' }, { apiKey: key.secret });
      expect(res.text).not.toContain('secret_table');
      expect(res.json.errors.map((e: any) => [e.message, e.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
    });
  });
});

describe('error masking, ERROR_DETAILS on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0', ERROR_DETAILS: '1' } });
  });
  afterAll(() => t?.stop());

  it('still masks the message, and gives the original in extensions.originalError', async () => {
    const m = await newMerchant(t);
    await replaced(t.domain.merchants, 'get', async () => Promise.reject(new Error(SECRET)), async () => {
      const http = await t.gql(MerchantQuery, {}, { token: m.token });
      expect(http.errors?.[0]?.message).toBe('Unexpected error.');
      expect((http.errors?.[0]?.extensions?.originalError as { message?: string } | undefined)?.message).toBe(SECRET);
    });
  });
});
