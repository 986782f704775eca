/**
 * The plain HTTP webhook endpoints are rate limited per sending address (the API key budget),
 * before the body is read: a flood gets 429 RATE_LIMITED with Retry-After, is counted, and
 * stores nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { sample } from '../support/metrics.js';
import { fixture, NEEDS, newMerchant, paystackSignature, send, setSecret, snapshot, type TestMerchant } from './helpers.js';

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `webhook rate limit (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;

    beforeAll(async () => {
      t = await startTestApp({ mode, env: { RATE_LIMIT_API_KEY_BURST: '3', RATE_LIMIT_API_KEY_PER_MINUTE: '1' } });
      m = await newMerchant(t);
    });
    afterAll(() => t?.stop());
    const refused = () => sample(t, 'paypulse_refusals_total{reason="RATE_LIMITED"}');

    it('answers 429 RATE_LIMITED with Retry-After beyond the burst, storing nothing', async () => {
      const secret = await setSecret(t, m, 'paystack', `sk_test_${'a'.repeat(40)}`);
      const body = fixture('paystack-charge-success.json');
      const headers = { 'x-paystack-signature': paystackSignature(secret, body) };
      const first = await send(t, `/webhooks/paystack/${m.id}`, { body, headers });
      expect(first.status).toBe(200);
      const before = await snapshot(t, m.id);
      const refusedBefore = await refused();
      const answers = [];
      for (let i = 0; i < 4; i += 1) answers.push(await send(t, `/webhooks/paystack/${m.id}`, { body, headers }));
      // Two more fit the burst of 3 (as duplicates); the rest are refused.
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 429]);
      expect(answers[2]!.json).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
      expect(await refused()).toBe(refusedBefore + 2);
      expect(await snapshot(t, m.id)).toEqual(before);
      const raw = await fetch(new URL(`/webhooks/paystack/${m.id}`, t.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });
  });
}
