/**
 * Abuse corpus, ingest: fast-check over event inputs (amounts, strings, metadata, raw envelopes,
 * variables of the wrong shape) against the real server, in both modes. Every case is either a
 * clean refusal that leaves every table unchanged, or a stored event that reads back exactly as
 * sent.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { MODES, startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { describeWith } from '../support/services.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { createTally, expectAlive, expectClean, FC, postAs, refused, rowCounts } from './support.js';
import { hostileString } from './arbitraries.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const INGEST = `mutation Ingest($e: PaymentEventInput!) {
  ingestPaymentEvent(event: $e) { status event { eventId provider currency reference productName customerId metadata amount { amountMinor } fee { amountMinor } } }
}`;
const ENVELOPES = `mutation Envelopes($e: [JSON!]!) {
  ingestEnvelopes(envelopes: $e) { ingested duplicates rejected errors { index field code message } results { index status } }
}`;

const RUNS = { amounts: 40, strings: 60, metadata: 30, envelopes: 30, variables: 30 } as const;

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `abuse: ingest payloads (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    const tally = createTally(`ingest (${mode})`);
    beforeAll(async () => {
      t = await startTestApp({ mode, env: { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_API_KEY_PER_MINUTE: '0' } });
      m = await newMerchant(t);
    });
    afterAll(async () => {
      tally.print();
      await t?.stop();
    });

    /** Posts one event; refused → nothing changed; stored → one more event that reads back as sent. */
    async function ingestCase(category: string, event: Record<string, unknown>, check?: (stored: any) => void) {
      tally.hit(category);
      const before = await rowCounts(t);
      const res = await t.post({ query: INGEST, variables: { e: event } }, { token: m.token });
      expectClean(res, `${category} ${JSON.stringify(event).slice(0, 200)}`);
      const after = await rowCounts(t);
      if (refused(res)) {
        expect(res.json?.data?.ingestPaymentEvent ?? null).toBeNull();
        expect(after, `${category}: refused but rows changed`).toEqual(before);
      } else {
        expect(res.json.data.ingestPaymentEvent.status).toBe('INGESTED');
        expect(after.events).toBe(before.events + 1);
        check?.(res.json.data.ingestPaymentEvent.event);
      }
    }

    it('amounts: huge, negative, fractional, exponent, non-numeric, wrong JSON types', async () => {
      const amount = fc.oneof(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
        fc.bigInt({ min: 0n, max: 10n ** 22n }).map(String),
        fc.double().map((d) => (Number.isFinite(d) ? d : String(d))),
        fc.integer(),
        fc.constantFrom('1e3', '0x10', ' 5', '5 ', '', '-0', '１２３', 'NaN', 'Infinity', '5.0', '٣', '00000000000000000000001', '9223372036854775808', '18446744073709551616'),
        fc.string({ maxLength: 30 }),
        fc.constantFrom(null, true, false, [], {}, [1], { amount: 1 }),
      );
      await fc.assert(
        fc.asyncProperty(amount, fc.boolean(), async (value, asFee) => {
          const event = eventInput(asFee ? { feeMinor: value as never } : { amountMinor: value as never });
          await ingestCase('amounts', event, (stored) => {
            // Stored exactly: the same integer, never rounded or clipped.
            expect(BigInt(stored[asFee ? 'fee' : 'amount'].amountMinor)).toBe(BigInt(value as string));
          });
        }),
        FC(RUNS.amounts),
      );
    });

    it('strings: unicode, NUL, lone surrogates, SQL, HTML, very long — in every text field', async () => {
      const field = fc.constantFrom('eventId', 'provider', 'currency', 'reference', 'customerId', 'productName', 'productId', 'orderId', 'walletId');
      await fc.assert(
        fc.asyncProperty(field, hostileString, async (name, value) => {
          const event = eventInput({ [name]: value });
          await ingestCase('strings', event, (stored) => {
            if (name in stored) expect(stored[name], `${name} read back`).toBe(value);
          });
        }),
        FC(RUNS.strings),
      );
    });

    it('metadata: nested JSON with hostile keys and values, deep nesting, large documents', async () => {
      const hostileJson = fc.letrec((tie) => ({
        value: fc.oneof({ depthSize: 'small' }, hostileString, fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostileString, tie('value'), { maxKeys: 4 })),
      })).value;
      const shallowDeep = fc.integer({ min: 50, max: 1500 }).map((depth) => {
        let v: unknown = 'bottom';
        for (let i = 0; i < depth; i++) v = { d: v };
        return { deep: v };
      });
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.dictionary(hostileString, hostileJson, { maxKeys: 5 }), shallowDeep, fc.constant({ big: 'x'.repeat(40_000) })), async (metadata) => {
          await ingestCase('metadata', eventInput({ metadata }), (stored) => expect(stored.metadata).toEqual(metadata));
        }),
        FC(RUNS.metadata - 10),
      );
      // Nested deeper than JSON.stringify can write (written by hand; the body stays under 1 MB).
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 10_000, max: 150_000 }), fc.constantFrom('{"d":', '['), fc.constantFrom('metadata', 'envelope'), async (depth, open, where) => {
          tally.hit('metadata');
          const close = open === '[' ? ']' : '}';
          const nested = `${open.repeat(depth)}"bottom"${close.repeat(depth)}`;
          const event = JSON.stringify(eventInput()).slice(0, -1);
          const body =
            where === 'metadata'
              ? `{"query":${JSON.stringify(INGEST)},"variables":{"e":${event},"metadata":{"deep":${nested}}}}}`
              : `{"query":${JSON.stringify(ENVELOPES)},"variables":{"e":[{"schemaVersion":${nested},"eventId":"x"},${event},"metadata":${nested}}]}}`;
          const before = await rowCounts(t);
          const res = await postAs(t, m.token, body);
          expectClean(res, `${where} nested ${depth} deep`);
          if (where === 'metadata') expect(refused(res)).toBe(true);
          else expect(res.json.data?.ingestEnvelopes?.rejected ?? 2).toBe(2);
          expect(await rowCounts(t)).toEqual(before);
        }),
        FC(10),
      );
    });

    it('raw envelopes of any JSON shape: rejected per item, with codes, nothing stored for them', async () => {
      const envelope = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ schemaVersion: fc.oneof(fc.constantFrom(1, 2, 3, 0, -1, 1.5, '2', null), fc.jsonValue({ maxDepth: 1 })), eventId: hostileString, type: fc.string(), amountMinor: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
        fc.record({ event_type: hostileString, transaction_id: hostileString, amount: fc.oneof(fc.double(), fc.string(), fc.constant('1e309')), currency: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(envelope, { minLength: 1, maxLength: 8 }), async (envelopes) => {
          tally.hit('envelopes');
          const before = await rowCounts(t);
          const res = await t.post({ query: ENVELOPES, variables: { e: envelopes } }, { token: m.token });
          expectClean(res, `envelopes ${JSON.stringify(envelopes).slice(0, 200)}`);
          const after = await rowCounts(t);
          if (refused(res)) return void expect(after).toEqual(before);
          const out = res.json.data.ingestEnvelopes;
          expect(out.ingested + out.duplicates + out.rejected).toBe(envelopes.length);
          expect(after.events).toBe(before.events + out.ingested);
          for (const e of out.errors) expect(typeof e.code).toBe('string');
        }),
        FC(RUNS.envelopes),
      );
    });

    it('variables of the wrong type or shape for the ingest mutation', async () => {
      const wrong = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ e: fc.jsonValue({ maxDepth: 2 }) }),
        fc.record({ e: fc.record({ eventId: fc.jsonValue({ maxDepth: 1 }), type: fc.oneof(fc.string(), fc.constantFrom('PAYMENT_COMPLETED', 'payment.completed', 'completed', 'DROP TABLE')), amountMinor: fc.jsonValue({ maxDepth: 1 }), unknownField: fc.string() }, { requiredKeys: [] }) }),
      );
      await fc.assert(
        fc.asyncProperty(wrong, async (variables) => {
          tally.hit('variables');
          const before = await rowCounts(t);
          const res = await t.post({ query: INGEST, variables }, { token: m.token });
          expectClean(res, `variables ${JSON.stringify(variables).slice(0, 200)}`);
          expect(refused(res)).toBe(true);
          expect(await rowCounts(t)).toEqual(before);
        }),
        FC(RUNS.variables),
      );
    });

    it('hand-written: SQL and HTML in strings are stored as text, not run or rendered', async () => {
      const sql = `x'); DROP TABLE payment_events; --`;
      const html = '<script>alert(1)</script><img src=x onerror=alert(1)>';
      await ingestCase('hand-written', eventInput({ productName: sql, metadata: { note: html, [sql]: html } }), (stored) => {
        expect(stored.productName).toBe(sql);
        expect(stored.metadata).toEqual({ note: html, [sql]: html });
      });
      expect((await rowCounts(t)).events).toBeGreaterThan(0);
      await expectAlive(t, m.token);
    });

    // Regression: these reached PostgreSQL and came back as a masked 500 (INTERNAL_SERVER_ERROR).
    it('refuses NUL and lone surrogates in productName and metadata with INVALID_FIELD, storing nothing', async () => {
      const cases = [{ productName: 'a\u0000b' }, { productName: 'x\ud800' }, { metadata: { note: 'a\u0000' } }, { metadata: { ['k\udc00']: 1 } }, { metadata: { list: [{ deep: '\ud83d' }] } }];
      for (const overrides of cases) {
        tally.hit('hand-written');
        const before = await rowCounts(t);
        const res = await t.post({ query: INGEST, variables: { e: eventInput(overrides) } }, { token: m.token });
        expectClean(res, JSON.stringify(overrides));
        expect(res.json.errors.map((e: any) => e.extensions.code), JSON.stringify(overrides)).toEqual(['INVALID_FIELD']);
        expect(await rowCounts(t)).toEqual(before);
      }
      // A well-formed astral character (a surrogate pair) is fine.
      await ingestCase('hand-written', eventInput({ productName: 'ok 👩‍👩‍👧', metadata: { 'k😀': '😀' } }), (stored) => expect(stored.productName).toBe('ok 👩‍👩‍👧'));
    });

    it(`ran at least ${Object.values(RUNS).reduce((a, b) => a + b, 0)} cases and the server still answers`, async () => {
      for (const [category, runs] of Object.entries(RUNS)) expect(tally.get(category), category).toBe(runs);
      await expectAlive(t, m.token);
    });
  });
}
