/** Per-caller rate limits: refused with RATE_LIMITED (HTTP 429, retryAfterMs) and nothing done; shared by instances through Redis. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../../src/server/limits/rate-limit.js';
import { startTestApp, useTwoInstances, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { IngestOne } from '../support/operations.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { newMerchant } from '../support/tenants.js';

const LIMITED = { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '5', RATE_LIMIT_API_KEY_PER_MINUTE: '60', RATE_LIMIT_API_KEY_BURST: '8' };
/**
 * The limiters' clock, frozen: buckets refill only when a test moves it, so every limit below is
 * an exact count however slowly a loaded machine runs the requests.
 */
const FROZEN = 1_900_000_000_000;
const frozen = () => FROZEN;

describe('token buckets', () => {
  it('in memory: a burst, then one per refill interval, with the wait reported', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter(() => now);
    const budget = { perMinute: 60, burst: 3 };
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push((await limiter.take('k', budget)).allowed);
    expect(taken).toEqual([true, true, true, false]);
    expect((await limiter.take('k', budget)).retryAfterMs).toBe(1000);
    now += 1000;
    expect((await limiter.take('k', budget)).allowed).toBe(true);
    expect((await limiter.take('other', budget)).allowed).toBe(true);
  });
});

describe('rate limits over HTTP and WebSocket (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: LIMITED, now: frozen });
  });
  afterAll(() => t?.stop());

  it('refuses the operation after the burst with 429 RATE_LIMITED and stores nothing', async () => {
    const m = await newMerchant(t);
    const before = await sample(t, 'paypulse_refusals_total{reason="RATE_LIMITED"}');
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await t.gql(IngestOne, { event: eventInput({ eventId: `rl-${i}` }) }, { token: m.token }));
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(results.filter((r) => r.data?.ingestPaymentEvent.status === 'INGESTED')).toHaveLength(5);
    expect(refused).toHaveLength(2);
    expect(refused[0]!.status).toBe(429);
    expect(refused[0]!.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);
    const stored = await t.db.prisma.paymentEvent.findMany({ where: { merchantId: m.id } });
    expect(stored.map((e) => e.eventId).sort()).toEqual(['rl-0', 'rl-1', 'rl-2', 'rl-3', 'rl-4']);
    expect(await sample(t, 'paypulse_refusals_total{reason="RATE_LIMITED"}')).toBe(before + 2);
  });

  it('keeps callers apart: another user is not limited by the first', async () => {
    const a = await newMerchant(t);
    const b = await newMerchant(t);
    for (let i = 0; i < 6; i++) await t.post({ query: '{ __typename }' }, { token: a.token });
    expect((await t.post({ query: '{ __typename }' }, { token: a.token })).json.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect((await t.post({ query: '{ __typename }' }, { token: b.token })).json).toEqual({ data: { __typename: 'Query' } });
  });

  it('counts each subscribe over WebSocket; a refused one gets the code and the socket stays open', async () => {
    const m = await newMerchant(t);
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const run = () =>
      new Promise<string>((resolve) =>
        client.subscribe(
          { query: '{ __typename }' },
          { next: (r) => resolve(r.errors ? String(r.errors[0]?.extensions?.code) : 'ok'), error: (e) => resolve(`error:${JSON.stringify(e)}`), complete: () => {} },
        ),
      );
    const outcomes = [];
    for (let i = 0; i < 7; i++) outcomes.push(await run());
    expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(outcomes[5]).toContain('RATE_LIMITED');
    expect(t.app.sockets()).toBe(1);
  });
});

await describeWith(['postgres', 'redis'], 'rate limits across two instances (Redis)', () => {
  const two = useTwoInstances(LIMITED, { now: frozen });
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => void ({ a, b } = two));

  it('one bucket per caller whichever instance answers', async () => {
    const m = await newMerchant(a);
    const outcomes = [];
    for (let i = 0; i < 8; i++) {
      const res = await (i % 2 ? b : a).post({ query: '{ __typename }' }, { token: m.token });
      outcomes.push(res.json.errors?.[0]?.extensions?.code ?? 'ok');
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(5);
    expect(outcomes.slice(5)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('the Redis bucket refills at the configured rate (atomic under concurrency)', async () => {
    let now = FROZEN;
    const limiter = createRedisRateLimiter(REDIS_URL, undefined, { now: () => now });
    try {
      const key = `test:${randomUUID()}`;
      const budget = { perMinute: 600, burst: 10 };
      const first = await Promise.all(Array.from({ length: 30 }, () => limiter.take(key, budget)));
      expect(first.filter((d) => d.allowed)).toHaveLength(10);
      // Empty bucket at 10/s: the next token is 100 ms away.
      expect(first.filter((d) => !d.allowed).map((d) => d.retryAfterMs)).toEqual(Array.from({ length: 20 }, () => 100));
      now += 250;
      const later = await Promise.all(Array.from({ length: 10 }, () => limiter.take(key, budget)));
      // 250 ms at 10/s refills exactly two tokens (half of the third stays in the bucket).
      expect(later.filter((d) => d.allowed)).toHaveLength(2);
      now += 50;
      expect((await limiter.take(key, budget)).allowed).toBe(true);
    } finally {
      await limiter.stop();
    }
  });

  it('without an injected clock uses Redis\'s own: a full bucket allows its burst', async () => {
    const limiter = createRedisRateLimiter(REDIS_URL);
    try {
      const key = `test:${randomUUID()}`;
      // 1 a minute: no refill can happen within this test on any machine.
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => limiter.take(key, { perMinute: 1, burst: 4 })));
      expect(outcomes.filter((d) => d.allowed)).toHaveLength(4);
    } finally {
      await limiter.stop();
    }
  });
});
