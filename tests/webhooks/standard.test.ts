/**
 * Standard Webhooks deliveries, through the `providerWebhook` mutation and the generic
 * `POST /webhooks/<provider>/<merchantId>`, over real HTTP in both modes: stored once, replays and
 * every refusal store nothing, a refused ingest does not burn its webhook-id, and one merchant's
 * secret never writes into another merchant.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStandard } from '../../src/webhooks/standard.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { sample } from '../support/metrics.js';
import { describeWith } from '../support/services.js';
import { fixture, NEEDS, newMerchant, nowSeconds, PROVIDER_WEBHOOK, send, setSecret, snapshot, type TestMerchant } from './helpers.js';

const PROVIDER = 'acme_pay';

function envelope(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...JSON.parse(fixture('standard-envelope.json')), eventId: `acme-${randomUUID()}`, ...overrides });
}

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `standard webhooks (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());

    async function deliver(m: TestMerchant, secret: string, payload: string, opts: { webhookId?: string; timestamp?: number; signature?: string; provider?: string; merchantId?: string } = {}) {
      const webhookId = opts.webhookId ?? `msg_${randomUUID()}`;
      const webhookTimestamp = String(opts.timestamp ?? nowSeconds());
      const signature = opts.signature ?? signStandard(secret, webhookId, webhookTimestamp, payload);
      const res = await t.post({
        query: PROVIDER_WEBHOOK,
        variables: { provider: opts.provider ?? PROVIDER, merchantId: opts.merchantId ?? m.id, webhookId, webhookTimestamp, payload, signature },
      });
      return { ...res, webhookId, code: res.json?.errors?.[0]?.extensions?.code as string | undefined };
    }

    it('ingests a signed delivery once, with no credential but the signature, and refuses its replay with WEBHOOK_REPLAYED', async () => {
      const m = await newMerchant(t);
      const secret = await setSecret(t, m, PROVIDER);
      expect(secret).toMatch(/^whsec_/);
      const payload = envelope();
      const first = await deliver(m, secret, payload);
      expect(first.json.errors).toBeUndefined();
      expect(first.json.data.providerWebhook).toMatchObject({
        status: 'INGESTED',
        event: { merchantId: m.id, provider: 'acme_pay', source: 'WEBHOOK', amount: { amountMinor: '987654', currency: 'KES' }, reference: 'ACME-REF-187' },
      });
      const after = await snapshot(t, m.id);
      expect(after).toMatchObject({ events: 1, deliveries: 1 });

      const replayedBefore = await sample(t, 'paypulse_refusals_total{reason="WEBHOOK_REPLAYED"}');
      const replay = await deliver(m, secret, payload, { webhookId: first.webhookId });
      expect(replay.code).toBe('WEBHOOK_REPLAYED');
      expect(replay.json.errors[0].extensions.eventId).toBe(JSON.parse(payload).eventId);
      expect(await snapshot(t, m.id)).toEqual(after);
      expect(await sample(t, 'paypulse_refusals_total{reason="WEBHOOK_REPLAYED"}')).toBe(replayedBefore + 1);

      // The same event under a new delivery id (a sender's re-send): DUPLICATE, nothing new stored.
      // The reply says only the event id and the status, never the stored event.
      const resend = await deliver(m, secret, payload);
      expect(resend.json.data.providerWebhook).toEqual({ status: 'DUPLICATE', eventId: JSON.parse(payload).eventId, event: null });
      expect((await snapshot(t, m.id)).events).toBe(1);
    });

    it('accepts any one valid signature among several (secret rotation)', async () => {
      const m = await newMerchant(t);
      const secret = await setSecret(t, m, PROVIDER);
      const payload = envelope();
      const webhookId = `msg_${randomUUID()}`;
      const ts = nowSeconds();
      const old = signStandard('whsec_' + Buffer.alloc(32, 7).toString('base64'), webhookId, ts, payload);
      const res = await deliver(m, secret, payload, { webhookId, timestamp: ts, signature: `v2,abc ${old} ${signStandard(secret, webhookId, ts, payload)}` });
      expect(res.json.data?.providerWebhook.status).toBe('INGESTED');
    });

    it('refuses bad, missing, stale and future signatures, unknown providers and malformed payloads, storing nothing', async () => {
      const m = await newMerchant(t);
      const secret = await setSecret(t, m, PROVIDER);
      const payload = envelope();
      const before = await snapshot(t, m.id);
      const cases: Array<[string, Promise<{ code: string | undefined }>]> = [
        ['WEBHOOK_SIGNATURE_INVALID', deliver(m, secret, payload, { signature: signStandard(secret, 'other-id', nowSeconds(), payload) })],
        ['WEBHOOK_SIGNATURE_INVALID', deliver(m, secret, payload.replace('987654', '987655'), { signature: signStandard(secret, 'x', nowSeconds(), payload) })],
        ['WEBHOOK_SIGNATURE_INVALID', deliver(m, secret, payload, { signature: 'v1,not-base64!!' })],
        ['WEBHOOK_SIGNATURE_MISSING', deliver(m, secret, payload, { signature: '' })],
        // Far outside the 300 s tolerance: a request delayed by a busy machine stays out of range
        // (the exact 300/301 s edges are tested with a fixed clock in units.test.ts).
        ['WEBHOOK_TIMESTAMP_OUT_OF_RANGE', deliver(m, secret, payload, { timestamp: nowSeconds() - 900 })],
        ['WEBHOOK_TIMESTAMP_OUT_OF_RANGE', deliver(m, secret, payload, { timestamp: nowSeconds() + 900 })],
        ['WEBHOOK_UNKNOWN_PROVIDER', deliver(m, secret, payload, { provider: 'never_configured' })],
        ['WEBHOOK_UNKNOWN_PROVIDER', deliver(m, secret, payload, { provider: 'paystack' })],
        ['WEBHOOK_MALFORMED_PAYLOAD', deliver(m, secret, '{"eventId": ')],
        ['INVALID_AMOUNT', deliver(m, secret, envelope({ amountMinor: '12.5' }))],
      ];
      for (const [code, pending] of cases) expect((await pending).code, code).toBe(code);
      expect(await snapshot(t, m.id)).toEqual(before);
    });

    it('does not burn the webhook-id of a delivery whose event was refused', async () => {
      const m = await newMerchant(t);
      const secret = await setSecret(t, m, PROVIDER);
      const webhookId = `msg_${randomUUID()}`;
      const bad = await deliver(m, secret, envelope({ currency: 'XXX' }), { webhookId });
      expect(bad.code).toBe('INVALID_CURRENCY');
      expect(await snapshot(t, m.id)).toMatchObject({ events: 0, deliveries: 0 });
      const fixed = await deliver(m, secret, envelope(), { webhookId });
      expect(fixed.json.data?.providerWebhook.status).toBe('INGESTED');
    });

    it('after a crash between ingest and recording the id, the retry is a DUPLICATE and records the id', async () => {
      const m = await newMerchant(t);
      const secret = await setSecret(t, m, PROVIDER);
      const payload = envelope();
      const first = await deliver(m, secret, payload);
      expect(first.json.data.providerWebhook.status).toBe('INGESTED');
      // The state such a crash leaves: the event committed, its webhook-id not recorded.
      await t.db.prisma.webhookDelivery.deleteMany({ where: { merchantId: m.id } });
      const retry = await deliver(m, secret, payload, { webhookId: first.webhookId });
      expect(retry.json.data?.providerWebhook.status).toBe('DUPLICATE');
      expect(await snapshot(t, m.id)).toMatchObject({ events: 1, deliveries: 1 });
      expect((await deliver(m, secret, payload, { webhookId: first.webhookId })).code).toBe('WEBHOOK_REPLAYED');
    });

    it('stores one event and one id when the same delivery arrives twice at once', async () => {
      const m = await newMerchant(t);
      const secret = await setSecret(t, m, PROVIDER);
      const payload = envelope();
      const webhookId = `msg_${randomUUID()}`;
      const ts = nowSeconds();
      const both = await Promise.all([deliver(m, secret, payload, { webhookId, timestamp: ts }), deliver(m, secret, payload, { webhookId, timestamp: ts })]);
      const outcomes = both.map((r) => r.json.data?.providerWebhook?.status ?? r.code).sort();
      expect([['DUPLICATE', 'INGESTED'], ['INGESTED', 'WEBHOOK_REPLAYED']]).toContainEqual(outcomes);
      expect(await snapshot(t, m.id)).toMatchObject({ events: 1, deliveries: 1 });
    });

    it("never ingests into merchant B with merchant A's secret", async () => {
      const a = await newMerchant(t);
      const b = await newMerchant(t);
      const secretA = await setSecret(t, a, PROVIDER);
      await setSecret(t, b, PROVIDER);
      const before = await snapshot(t, b.id);
      // Signed with A's secret but addressed to B: B's secret does not verify it.
      const forged = await deliver(a, secretA, envelope(), { merchantId: b.id });
      expect(forged.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      // Verified for A, but the envelope names B: refused, not re-routed.
      const crossing = await deliver(a, secretA, envelope({ merchantId: b.id }));
      expect(crossing.code).toBe('FORBIDDEN');
      expect(await snapshot(t, b.id)).toEqual(before);
      expect((await snapshot(t, a.id)).events).toBe(0);
    });

    describe('POST /webhooks/<provider>/<merchantId>', () => {
      it('verifies the webhook-* headers with the same verifier, and answers 409 to a replay', async () => {
        const m = await newMerchant(t);
        const secret = await setSecret(t, m, PROVIDER);
        const payload = envelope();
        const id = `msg_${randomUUID()}`;
        const ts = String(nowSeconds());
        const headers = { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signStandard(secret, id, ts, payload) };
        const first = await send(t, `/webhooks/${PROVIDER}/${m.id}`, { body: payload, headers });
        expect(first).toEqual({ status: 200, json: { status: 'INGESTED', eventId: JSON.parse(payload).eventId } });
        const after = await snapshot(t, m.id);
        const replay = await send(t, `/webhooks/${PROVIDER}/${m.id}`, { body: payload, headers });
        expect(replay.status).toBe(409);
        expect(replay.json.code).toBe('WEBHOOK_REPLAYED');
        expect(await snapshot(t, m.id)).toEqual(after);

        const missing = await send(t, `/webhooks/${PROVIDER}/${m.id}`, { body: payload, headers: { 'webhook-id': `msg_${randomUUID()}` } });
        expect(missing.status).toBe(401);
        expect(missing.json.code).toBe('WEBHOOK_SIGNATURE_MISSING');
        const unknown = await send(t, `/webhooks/${PROVIDER}/m_nobody`, { body: payload, headers });
        expect(unknown.status).toBe(404);
        expect(unknown.json.code).toBe('WEBHOOK_UNKNOWN_PROVIDER');
        const wrongMethod = await send(t, `/webhooks/${PROVIDER}/${m.id}`, { method: 'GET' });
        expect(wrongMethod.status).toBe(405);
        expect(await snapshot(t, m.id)).toEqual(after);
      });

      it('refuses a body over MAX_BODY_BYTES with 413 before reading it', async () => {
        const m = await newMerchant(t);
        const res = await send(t, `/webhooks/${PROVIDER}/${m.id}`, { body: 'x'.repeat(t.config.limits.maxBodyBytes + 1) });
        expect(res.status).toBe(413);
        expect(res.json.code).toBe('PAYLOAD_TOO_LARGE');
      });
    });

    describe('setProviderWebhookSecret', () => {
      it('is for merchant users only, validates the secret, and never returns a given one', async () => {
        const m = await newMerchant(t);
        const query = 'mutation($p: String!, $s: String) { setProviderWebhookSecret(provider: $p, secret: $s) { provider generatedSecret } }';
        const anonymous = await t.post({ query, variables: { p: PROVIDER } });
        expect(anonymous.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
        const weak = await t.post({ query, variables: { p: PROVIDER, s: 'whsec_c2hvcnQ=' } }, { token: m.token });
        expect(weak.json.errors[0].extensions.code).toBe('WEBHOOK_INVALID_SECRET');
        const paystackWithout = await t.post({ query, variables: { p: 'paystack' } }, { token: m.token });
        expect(paystackWithout.json.errors[0].extensions.code).toBe('WEBHOOK_INVALID_SECRET');
        const given = await t.post({ query, variables: { p: 'paystack', s: 'sk_test_0123456789abcdef0123456789' } }, { token: m.token });
        expect(given.json.data.setProviderWebhookSecret).toEqual({ provider: 'paystack', generatedSecret: null });
        const list = await t.post({ query: '{ providerWebhookSecrets { provider path } }' }, { token: m.token });
        expect(list.json.data.providerWebhookSecrets).toEqual([{ provider: 'paystack', path: `/webhooks/paystack/${m.id}` }]);
        // Sealed at rest: the stored text is not the secret.
        const row = await t.db.prisma.webhookSecret.findFirstOrThrow({ where: { merchantId: m.id } });
        expect(row.secretSealed).not.toContain('sk_test_');
        const removed = await t.post({ query: 'mutation { removeProviderWebhookSecret(provider: "paystack") }' }, { token: m.token });
        expect(removed.json.data.removeProviderWebhookSecret).toBe(true);
        const gone = await send(t, `/webhooks/paystack/${m.id}`, { body: '{}', headers: { 'x-paystack-signature': 'ab' } });
        expect([gone.status, gone.json.code]).toEqual([404, 'WEBHOOK_UNKNOWN_PROVIDER']);
      });
    });
  });
}
