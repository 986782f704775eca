/**
 * The native provider endpoints over real HTTP, in both modes, with realistic payloads from
 * tests/webhooks/fixtures: each provider's own verification, the mapping to the envelope (amounts
 * exact), a provider retry reported as a duplicate, and every refusal storing nothing.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { fixture, NEEDS, newMerchant, paystackSignature, send, setSecret, snapshot, type TestMerchant } from './helpers.js';

const PAYSTACK_KEY = 'sk_test_4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const FLW_HASH = 'flw-secret-hash-2026-braids-0042';
const CAMPAY_KEY = 'campay-webhook-key-8d7f6e5c4b3a2910';

function rows(t: TestApp, merchantId: string) {
  return t.db.prisma.paymentEvent.findMany({ where: { merchantId }, orderBy: { seq: 'asc' } });
}

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `provider webhooks (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());

    describe('paystack', () => {
      const post = (m: TestMerchant, body: string, signature?: string) =>
        send(t, `/webhooks/paystack/${m.id}`, { body, headers: signature === undefined ? {} : { 'x-paystack-signature': signature } });

      it('stores charge.success once in kobo, and answers a retry as DUPLICATE', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'paystack', PAYSTACK_KEY);
        const body = fixture('paystack-charge-success.json');
        const first = await post(m, body, paystackSignature(PAYSTACK_KEY, body));
        expect(first).toEqual({ status: 200, json: { status: 'INGESTED', eventId: 'paystack:payment.completed:4099260516' } });
        const retry = await post(m, body, paystackSignature(PAYSTACK_KEY, body));
        expect(retry.json.status).toBe('DUPLICATE');
        const [row, ...more] = await rows(t, m.id);
        expect(more).toHaveLength(0);
        expect(row).toMatchObject({
          type: 'payment.completed', provider: 'paystack', source: 'webhook', amountMinor: 1250050n, feeMinor: 28751n, currency: 'NGN',
          paymentMethod: 'card', customerId: 'CUS_xnxdt6s1zg1f4nx', reference: 'T741820932145678',
        });
        expect(row!.occurredAt.toISOString()).toBe('2026-11-30T09:15:42.000Z');
        expect(JSON.stringify(row!.metadata)).not.toContain('@');
      });

      it('maps charge.failed, refund.processed (onto the charge reference) and transfer.success', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'paystack', PAYSTACK_KEY);
        for (const name of ['paystack-charge-failed.json', 'paystack-refund-processed.json', 'paystack-transfer-success.json']) {
          const body = fixture(name);
          expect((await post(m, body, paystackSignature(PAYSTACK_KEY, body))).json.status, name).toBe('INGESTED');
        }
        const stored = await rows(t, m.id);
        expect(stored.map((r) => [r.type, r.amountMinor, r.reference, r.paymentMethod])).toEqual([
          ['payment.failed', 500000n, 'T741820999000111', 'bank_transfer'],
          ['refund.processed', 250000n, 'T741820932145678', null],
          ['transfer.success', 3000000n, 'payout-2026-11-vendor-17', null],
        ]);
      });

      it('acknowledges an event it does not record without storing it', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'paystack', PAYSTACK_KEY);
        const body = fixture('paystack-subscription-create.json');
        const res = await post(m, body, paystackSignature(PAYSTACK_KEY, body));
        expect(res.status).toBe(200);
        expect(res.json.status).toBe('IGNORED');
        expect((await snapshot(t, m.id)).events).toBe(0);
      });

      it("refuses a bad or missing signature, malformed JSON, and merchant A's key for merchant B, storing nothing", async () => {
        const a = await newMerchant(t);
        const b = await newMerchant(t);
        await setSecret(t, a, 'paystack', PAYSTACK_KEY);
        await setSecret(t, b, 'paystack', `${PAYSTACK_KEY}-b`);
        const body = fixture('paystack-charge-success.json');
        const [beforeA, beforeB] = [await snapshot(t, a.id), await snapshot(t, b.id)];
        const tampered = body.replace('1250050', '9250050');
        const cases: Array<[number, string, Promise<{ status: number; json: any }>]> = [
          [401, 'WEBHOOK_SIGNATURE_INVALID', post(a, tampered, paystackSignature(PAYSTACK_KEY, body))],
          [401, 'WEBHOOK_SIGNATURE_INVALID', post(a, body, 'zz')],
          [401, 'WEBHOOK_SIGNATURE_MISSING', post(a, body)],
          [400, 'WEBHOOK_MALFORMED_PAYLOAD', post(a, '{"event":', paystackSignature(PAYSTACK_KEY, '{"event":'))],
          [401, 'WEBHOOK_SIGNATURE_INVALID', post(b, body, paystackSignature(PAYSTACK_KEY, body))],
        ];
        for (const [status, code, pending] of cases) {
          const res = await pending;
          expect([res.status, res.json.code], code).toEqual([status, code]);
        }
        expect(await snapshot(t, a.id)).toEqual(beforeA);
        expect(await snapshot(t, b.id)).toEqual(beforeB);
      });
    });

    describe('flutterwave', () => {
      const post = (m: TestMerchant, body: string, hash: string | null = FLW_HASH) =>
        send(t, `/webhooks/flutterwave/${m.id}`, { body, headers: hash === null ? {} : { 'verif-hash': hash } });

      it('converts major-unit amounts exactly (1500.5 GHS → 150050) and answers a retry as DUPLICATE', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'flutterwave', FLW_HASH);
        const body = fixture('flutterwave-charge-completed.json');
        expect((await post(m, body)).json).toEqual({ status: 'INGESTED', eventId: 'flutterwave:payment.completed:285959875' });
        expect((await post(m, body)).json.status).toBe('DUPLICATE');
        for (const name of ['flutterwave-charge-failed.json', 'flutterwave-transfer-completed.json']) expect((await post(m, fixture(name))).json.status).toBe('INGESTED');
        const stored = await rows(t, m.id);
        expect(stored.map((r) => [r.type, r.amountMinor, r.feeMinor, r.currency, r.reference, r.paymentMethod])).toEqual([
          ['payment.completed', 150050n, 2101n, 'GHS', 'Links-616626414629', 'card'],
          ['payment.failed', 25000n, 700n, 'KES', 'Links-616626419981', 'mobile_money'],
          ['transfer.success', 3002075n, 1075n, 'NGN', 'payout-flw-2026-11-30-1', 'bank_transfer'],
        ]);
      });

      it('refuses an amount not representable in the currency, a wrong or missing verif-hash, storing nothing', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'flutterwave', FLW_HASH);
        const before = await snapshot(t, m.id);
        const inexact = await post(m, fixture('flutterwave-charge-inexact.json'));
        expect([inexact.status, inexact.json.code]).toEqual([400, 'INVALID_AMOUNT']);
        const wrong = await post(m, fixture('flutterwave-charge-completed.json'), `${FLW_HASH}x`);
        expect([wrong.status, wrong.json.code]).toEqual([401, 'WEBHOOK_SIGNATURE_INVALID']);
        const missing = await post(m, fixture('flutterwave-charge-completed.json'), null);
        expect([missing.status, missing.json.code]).toEqual([401, 'WEBHOOK_SIGNATURE_MISSING']);
        const unknownStatus = await post(m, fixture('flutterwave-charge-completed.json').replace('"successful"', '"weird"'));
        expect([unknownStatus.status, unknownStatus.json.code]).toEqual([400, 'WEBHOOK_UNMAPPABLE']);
        expect(await snapshot(t, m.id)).toEqual(before);
      });
    });

    describe('mpesa (Daraja STK push)', () => {
      it("stores a ResultCode 0 callback in cents, answers in Daraja's shape, and a retry is a duplicate", async () => {
        const m = await newMerchant(t);
        const token = await setSecret(t, m, 'mpesa');
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const body = fixture('mpesa-stk-success.json');
        const res = await send(t, `/webhooks/mpesa/${m.id}/${token}`, { body });
        expect(res).toEqual({ status: 200, json: { ResultCode: 0, ResultDesc: 'Accepted' } });
        expect((await send(t, `/webhooks/mpesa/${m.id}/${token}`, { body })).status).toBe(200);
        const failed = await send(t, `/webhooks/mpesa/${m.id}/${token}`, { body: fixture('mpesa-stk-cancelled.json') });
        expect(failed.json).toEqual({ ResultCode: 0, ResultDesc: 'Accepted' });
        const stored = await rows(t, m.id);
        expect(stored.map((r) => [r.eventId, r.type, r.amountMinor, r.currency, r.reference])).toEqual([
          ['mpesa:payment.completed:ws_CO_191220191020363925', 'payment.completed', 150000n, 'KES', 'ws_CO_191220191020363925'],
          ['mpesa:payment.failed:ws_CO_27072017151044001', 'payment.failed', 0n, 'KES', 'ws_CO_27072017151044001'],
        ]);
        // TransactionDate is Nairobi time; only the phone's last four digits are kept.
        expect(stored[0]!.occurredAt.toISOString()).toBe('2026-11-30T07:21:15.000Z');
        expect(stored[0]!.metadata).toMatchObject({ phoneLast4: '4149', mpesa: { receipt: 'NLJ7RT61SV', resultCode: '0' } });
        expect(JSON.stringify(stored[0]!.metadata)).not.toContain('254708374149');
      });

      it('refuses a wrong or missing URL token, storing nothing', async () => {
        const m = await newMerchant(t);
        const token = await setSecret(t, m, 'mpesa');
        const before = await snapshot(t, m.id);
        const body = fixture('mpesa-stk-success.json');
        const other = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
        const wrong = await send(t, `/webhooks/mpesa/${m.id}/${other}`, { body });
        expect([wrong.status, wrong.json.code]).toEqual([401, 'WEBHOOK_SIGNATURE_INVALID']);
        const none = await send(t, `/webhooks/mpesa/${m.id}`, { body });
        expect([none.status, none.json.code]).toEqual([401, 'WEBHOOK_SIGNATURE_MISSING']);
        expect(await snapshot(t, m.id)).toEqual(before);
      });
    });

    describe('campay', () => {
      const fields = () => JSON.parse(fixture('campay-collect-successful.json')) as Record<string, string>;
      const sign = (key: string, claims: Record<string, unknown> = {}, exp: string | number = '5m') =>
        new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(key));

      it('verifies the JWT signature on a GET notification, stores XAF exactly, and a retry (POST JSON) is a duplicate', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'campay', CAMPAY_KEY);
        const query = new URLSearchParams({ ...fields(), signature: await sign(CAMPAY_KEY, { reference: fields().reference }) });
        const res = await send(t, `/webhooks/campay/${m.id}?${query}`, { method: 'GET' });
        expect(res).toEqual({ status: 200, json: { status: 'INGESTED', eventId: 'campay:payment.completed:bcedde9b-62a7-4421-96ac-2e6179552a1a' } });
        const again = await send(t, `/webhooks/campay/${m.id}`, { body: JSON.stringify({ ...fields(), signature: await sign(CAMPAY_KEY) }) });
        expect(again.json.status).toBe('DUPLICATE');
        const [row, ...more] = await rows(t, m.id);
        expect(more).toHaveLength(0);
        expect(row).toMatchObject({ type: 'payment.completed', amountMinor: 2500n, currency: 'XAF', customerId: 'cust-5521', metadata: { phoneLast4: '7777' } });
      });

      it('refuses a signature from another key, an expired one, one issued for another reference, or none, storing nothing', async () => {
        const m = await newMerchant(t);
        await setSecret(t, m, 'campay', CAMPAY_KEY);
        const before = await snapshot(t, m.id);
        const post = async (signature: string | undefined) =>
          send(t, `/webhooks/campay/${m.id}`, { body: JSON.stringify({ ...fields(), ...(signature ? { signature } : {}) }) });
        const cases: Array<[number, string, string | undefined]> = [
          [401, 'WEBHOOK_SIGNATURE_INVALID', await sign(randomBytes(16).toString('hex'))],
          [401, 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE', await sign(CAMPAY_KEY, {}, Math.floor(Date.now() / 1000) - 60)],
          [401, 'WEBHOOK_SIGNATURE_INVALID', await sign(CAMPAY_KEY, { reference: 'another-reference' })],
          [401, 'WEBHOOK_SIGNATURE_MISSING', undefined],
        ];
        for (const [status, code, signature] of cases) {
          const res = await post(signature);
          expect([res.status, res.json.code], code).toEqual([status, code]);
        }
        expect(await snapshot(t, m.id)).toEqual(before);
      });
    });

    it('answers 404 WEBHOOK_UNKNOWN_PROVIDER to paths that name no configured provider', async () => {
      const m = await newMerchant(t);
      for (const path of [`/webhooks/paystack/${m.id}`, '/webhooks/Bad!/m', '/webhooks/paystack', `/webhooks/paystack/${m.id}/extra`]) {
        const res = await send(t, path, { body: '{}' });
        expect([res.status, res.json.code], path).toEqual([404, 'WEBHOOK_UNKNOWN_PROVIDER']);
      }
    });
  });
}
