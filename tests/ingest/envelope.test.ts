/**
 * Unit tests of the event envelope (validation + upcasting) and exact money arithmetic.
 * No server, no database.
 */
import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, parseEnvelope, type EnvelopeResult, type FieldError } from '../../src/ingest/envelope.js';
import { formatMinor, MAX_AMOUNT_MINOR, MAX_MINOR, parseMajor } from '../../src/lib/money.js';
import type { PaymentEventDraft } from '../../src/payments/types.js';

/** A valid version-2 envelope; override any field (undefined removes it). */
function v2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    eventId: 'evt-1',
    type: 'payment.completed',
    provider: 'mpesa',
    paymentMethod: 'mobile_money',
    amountMinor: '150000',
    feeMinor: '1500',
    currency: 'KES',
    customerId: 'cust-1',
  };
  const merged = { ...base, ...overrides };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged;
}

/** The seed documents' (version 1) shape. */
function v1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = {
    transaction_id: 'txn-789',
    customer_id: 'cust-456',
    event_type: 'payment_succeeded',
    amount: 1000.0,
    currency: 'XOF',
    fee: 30.0,
    payment_method: 'mobile_money',
    product_id: 'prod-1',
    product_name: 'Festival pass',
    ...overrides,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged;
}

function draftOf(result: EnvelopeResult): PaymentEventDraft {
  if (!result.ok) throw new Error(`expected a valid envelope, got ${JSON.stringify(result.errors)}`);
  return result.draft;
}

function errorsOf(result: EnvelopeResult): FieldError[] {
  if (result.ok) throw new Error(`expected errors, got a draft for ${result.draft.eventId}`);
  return result.errors;
}

describe('parseEnvelope: version 2 (current)', () => {
  it('accepts a valid envelope and fills defaults', () => {
    const before = Date.now();
    const draft = draftOf(parseEnvelope(v2({ merchantId: 'm_1', reference: 'REF-1', productName: 'Coffee' })));
    expect(CURRENT_SCHEMA_VERSION).toBe(2);
    expect(draft).toMatchObject({
      eventId: 'evt-1',
      merchantId: 'm_1',
      schemaVersion: 2,
      type: 'payment.completed',
      provider: 'mpesa',
      paymentMethod: 'mobile_money',
      amountMinor: 150000n,
      feeMinor: 1500n,
      currency: 'KES',
      customerId: 'cust-1',
      productId: null,
      productName: 'Coffee',
      orderId: null,
      walletId: null,
      reference: 'REF-1',
      metadata: {},
    });
    expect(typeof draft.amountMinor).toBe('bigint');
    expect(typeof draft.feeMinor).toBe('bigint');
    // occurredAt defaults to the time it was received.
    expect(draft.occurredAt).toBeInstanceOf(Date);
    expect(draft.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(draft.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('accepts an explicit schemaVersion 2, a missing fee (0) and amounts given as bigint or safe integers', () => {
    expect(draftOf(parseEnvelope(v2({ schemaVersion: 2 }))).schemaVersion).toBe(2);
    const noFee = draftOf(parseEnvelope(v2({ feeMinor: undefined })));
    expect(noFee.feeMinor).toBe(0n);
    expect(draftOf(parseEnvelope(v2({ amountMinor: 123n }))).amountMinor).toBe(123n);
    expect(draftOf(parseEnvelope(v2({ amountMinor: 42 }))).amountMinor).toBe(42n);
    expect(draftOf(parseEnvelope(v2({ amountMinor: '0' }))).amountMinor).toBe(0n);
  });

  it('keeps an amount of exactly the bound, 10^15, exact', () => {
    const draft = draftOf(parseEnvelope(v2({ amountMinor: '1000000000000000', feeMinor: 1_000_000_000_000_000 })));
    expect(draft.amountMinor).toBe(10n ** 15n);
    expect(draft.feeMinor).toBe(10n ** 15n);
    expect(MAX_AMOUNT_MINOR).toBe(10n ** 15n);
  });

  it('keeps the given occurredAt and metadata', () => {
    const draft = draftOf(parseEnvelope(v2({ occurredAt: '2026-01-02T03:04:05.678Z', metadata: { channel: 'app', n: 1 } })));
    expect(draft.occurredAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(draft.metadata).toEqual({ channel: 'app', n: 1 });
  });
});

describe('parseEnvelope: version 1 (seed shape) is upcast', () => {
  it('upcasts the seed event: payment_succeeded → payment.completed, XOF (exponent 0) amounts exact', () => {
    const draft = draftOf(parseEnvelope(v1()));
    expect(draft).toMatchObject({
      eventId: 'txn-789',
      schemaVersion: 1,
      type: 'payment.completed',
      paymentMethod: 'mobile_money',
      amountMinor: 1000n,
      feeMinor: 30n,
      currency: 'XOF',
      customerId: 'cust-456',
      productId: 'prod-1',
      productName: 'Festival pass',
    });
  });

  it('converts a KES decimal string exactly: "10.50" → 1050n', () => {
    const draft = draftOf(parseEnvelope(v1({ amount: '10.50', fee: '0.30', currency: 'KES' })));
    expect(draft.amountMinor).toBe(1050n);
    expect(draft.feeMinor).toBe(30n);
    expect(draft.currency).toBe('KES');
    expect(draft.schemaVersion).toBe(1);
  });

  it('converts a KES JSON number exactly: 10.5 → 1050n', () => {
    expect(draftOf(parseEnvelope(v1({ amount: 10.5, fee: undefined, currency: 'KES' }))).amountMinor).toBe(1050n);
  });

  it('is detected by schema_version: 1 and by event_type alone', () => {
    expect(draftOf(parseEnvelope(v1({ schema_version: 1 }))).schemaVersion).toBe(1);
    const byType = parseEnvelope({ event_id: 'e-9', event_type: 'transfer_succeeded', amount: '5', currency: 'UGX', provider: 'mtn_momo' });
    expect(draftOf(byType)).toMatchObject({ eventId: 'e-9', type: 'transfer.success', amountMinor: 5n, provider: 'mtn_momo', schemaVersion: 1 });
  });

  it('refuses more decimals than the currency has (KES 10.505) instead of rounding', () => {
    const errors = errorsOf(parseEnvelope(v1({ amount: '10.505', currency: 'KES' })));
    expect(errors).toContainEqual(expect.objectContaining({ field: 'amount', code: 'INVALID_AMOUNT' }));
    const asNumber = errorsOf(parseEnvelope(v1({ amount: 10.505, currency: 'KES' })));
    expect(asNumber).toContainEqual(expect.objectContaining({ field: 'amount', code: 'INVALID_AMOUNT' }));
  });

  it('refuses a fraction for a zero-exponent currency (XOF 1000.5) and a bad fee', () => {
    expect(errorsOf(parseEnvelope(v1({ amount: '1000.5' })))).toContainEqual(expect.objectContaining({ field: 'amount', code: 'INVALID_AMOUNT' }));
    expect(errorsOf(parseEnvelope(v1({ fee: '0.5' })))).toContainEqual(expect.objectContaining({ field: 'fee', code: 'INVALID_AMOUNT' }));
  });

  it('refuses a negative major amount', () => {
    const errors = errorsOf(parseEnvelope(v1({ amount: '-10.50', currency: 'KES' })));
    // The error names the field as the version-1 sender wrote it.
    expect(errors).toEqual([expect.objectContaining({ field: 'amount', code: 'INVALID_AMOUNT', message: expect.stringMatching(/^amount /) })]);
  });

  it('refuses an unknown currency and an unknown event_type with their codes', () => {
    expect(errorsOf(parseEnvelope(v1({ currency: 'KSH' })))).toContainEqual(expect.objectContaining({ field: 'currency', code: 'INVALID_CURRENCY' }));
    expect(errorsOf(parseEnvelope(v1({ event_type: 'payment_exploded' })))).toContainEqual(
      expect.objectContaining({ field: 'event_type', code: 'INVALID_EVENT_TYPE' }),
    );
  });

  it('requires an id (transaction_id or event_id)', () => {
    expect(errorsOf(parseEnvelope(v1({ transaction_id: undefined, event_type: 'payment_succeeded' })))).toContainEqual(
      expect.objectContaining({ field: 'transaction_id', code: 'MISSING_FIELD' }),
    );
  });
});

describe('parseEnvelope: errors and their codes', () => {
  it('refuses an unknown schemaVersion (3) with UNSUPPORTED_SCHEMA_VERSION', () => {
    const errors = errorsOf(parseEnvelope(v2({ schemaVersion: 3 })));
    expect(errors).toEqual([expect.objectContaining({ field: 'schemaVersion', code: 'UNSUPPORTED_SCHEMA_VERSION' })]);
    expect(errorsOf(parseEnvelope(v1({ schema_version: 3 })))[0]?.code).toBe('UNSUPPORTED_SCHEMA_VERSION');
  });

  it('refuses a schemaVersion given as a string ("2") with INVALID_FIELD and a message that says why', () => {
    expect(errorsOf(parseEnvelope(v2({ schemaVersion: '2' })))).toEqual([
      { field: 'schemaVersion', code: 'INVALID_FIELD', message: 'schemaVersion must be the number 1 or 2, got "2"' },
    ]);
  });

  it('refuses an unknown currency "KSH" with INVALID_CURRENCY', () => {
    expect(errorsOf(parseEnvelope(v2({ currency: 'KSH' })))).toEqual([expect.objectContaining({ field: 'currency', code: 'INVALID_CURRENCY' })]);
    expect(errorsOf(parseEnvelope(v2({ currency: 'kes' })))[0]?.code).toBe('INVALID_CURRENCY');
    expect(errorsOf(parseEnvelope(v2({ currency: 'XXX' })))[0]?.code).toBe('INVALID_CURRENCY');
  });

  it.each([
    ['a float number 10.5', 10.5],
    ['a float string "10.5"', '10.5'],
    ['an exponent string "1e3"', '1e3'],
    ['a negative string "-1"', '-1'],
    ['a negative number -1', -1],
    ['an empty string', ''],
  ])('refuses amountMinor as %s with INVALID_AMOUNT', (_label, amountMinor) => {
    expect(errorsOf(parseEnvelope(v2({ amountMinor })))).toEqual([expect.objectContaining({ field: 'amountMinor', code: 'INVALID_AMOUNT' })]);
  });

  it.each([
    ['one above the bound "1000000000000001"', '1000000000000001'],
    ['5e18 as digits "5000000000000000000"', '5000000000000000000'],
    ['a value beyond int64 "9223372036854775808"', '9223372036854775808'],
    ['a value far beyond int64 "99999999999999999999"', '99999999999999999999'],
    ['an unsafe JS integer 2**53 + 2', 2 ** 53 + 2],
    ['a bigint 5n * 10n ** 18n', 5n * 10n ** 18n],
  ])('refuses amountMinor as %s with AMOUNT_OUT_OF_RANGE', (_label, amountMinor) => {
    expect(errorsOf(parseEnvelope(v2({ amountMinor })))).toEqual([expect.objectContaining({ field: 'amountMinor', code: 'AMOUNT_OUT_OF_RANGE' })]);
    expect(errorsOf(parseEnvelope(v2({ feeMinor: amountMinor })))).toEqual([expect.objectContaining({ field: 'feeMinor', code: 'AMOUNT_OUT_OF_RANGE' })]);
  });

  it('refuses a version-1 major amount above the bound with AMOUNT_OUT_OF_RANGE (10^13 KES is 10^15 cents + 1 cent)', () => {
    expect(errorsOf(parseEnvelope(v1({ amount: '10000000000000.01', currency: 'KES' })))).toEqual([expect.objectContaining({ field: 'amount', code: 'AMOUNT_OUT_OF_RANGE' })]);
    expect(draftOf(parseEnvelope(v1({ amount: '10000000000000.00', currency: 'KES' }))).amountMinor).toBe(10n ** 15n);
  });

  it('refuses a negative fee with INVALID_AMOUNT', () => {
    expect(errorsOf(parseEnvelope(v2({ feeMinor: '-5' })))).toEqual([expect.objectContaining({ field: 'feeMinor', code: 'INVALID_AMOUNT' })]);
  });

  it.each(['eventId', 'type', 'provider', 'currency', 'amountMinor'])('reports a missing %s as MISSING_FIELD naming the field', (field) => {
    const errors = errorsOf(parseEnvelope(v2({ [field]: undefined })));
    expect(errors).toEqual([{ field, code: 'MISSING_FIELD', message: expect.stringContaining(field) }]);
  });

  it('reports every missing field at once', () => {
    const errors = errorsOf(parseEnvelope({ amountMinor: '100' }));
    expect(errors.filter((e) => e.code === 'MISSING_FIELD').map((e) => e.field).sort()).toEqual(['currency', 'eventId', 'provider', 'type']);
  });

  it('refuses an unknown type with INVALID_EVENT_TYPE and a bad provider or payment method with INVALID_FIELD', () => {
    expect(errorsOf(parseEnvelope(v2({ type: 'payment.exploded' })))).toEqual([expect.objectContaining({ field: 'type', code: 'INVALID_EVENT_TYPE' })]);
    expect(errorsOf(parseEnvelope(v2({ provider: 'M-Pesa' })))).toEqual([expect.objectContaining({ field: 'provider', code: 'INVALID_FIELD' })]);
    expect(errorsOf(parseEnvelope(v2({ paymentMethod: 'cash' })))).toEqual([expect.objectContaining({ field: 'paymentMethod', code: 'INVALID_FIELD' })]);
  });

  it('refuses an eventId that is blank or has spaces', () => {
    expect(errorsOf(parseEnvelope(v2({ eventId: '   ' })))[0]).toMatchObject({ field: 'eventId', code: 'INVALID_FIELD' });
    expect(errorsOf(parseEnvelope(v2({ eventId: 'evt 1' })))[0]).toMatchObject({ field: 'eventId', code: 'INVALID_FIELD' });
  });

  it('refuses input that is not an object', () => {
    for (const input of [null, 'evt', 42, [v2()]]) {
      expect(errorsOf(parseEnvelope(input))[0]?.code).toBe('INVALID_FIELD');
    }
  });
});

describe('formatMinor', () => {
  it('formats by the currency exponent', () => {
    expect(formatMinor(123456n, 'KES')).toBe('1234.56');
    expect(formatMinor(5n, 'KES')).toBe('0.05');
    expect(formatMinor(0n, 'KES')).toBe('0.00');
    expect(formatMinor(500n, 'XOF')).toBe('500');
    expect(formatMinor(0n, 'UGX')).toBe('0');
    expect(formatMinor(1234n, 'BHD')).toBe('1.234');
    expect(formatMinor(5n, 'BHD')).toBe('0.005');
    expect(formatMinor(1000n, 'BHD')).toBe('1.000');
  });

  it('formats negative amounts', () => {
    expect(formatMinor(-150n, 'KES')).toBe('-1.50');
    expect(formatMinor(-5n, 'KES')).toBe('-0.05');
    expect(formatMinor(-500n, 'XOF')).toBe('-500');
    expect(formatMinor(-1234n, 'BHD')).toBe('-1.234');
  });

  it('formats the largest int64 exactly', () => {
    expect(formatMinor(MAX_MINOR, 'KES')).toBe('92233720368547758.07');
    expect(formatMinor(MAX_MINOR, 'XOF')).toBe('9223372036854775807');
  });
});

describe('parseMajor never uses floating point', () => {
  it('converts decimal strings exactly', () => {
    expect(parseMajor('0.30', 'KES')).toEqual({ ok: true, minor: 30n });
    expect(parseMajor('0.3', 'KES')).toEqual({ ok: true, minor: 30n });
    expect(parseMajor('1000.50', 'KES')).toEqual({ ok: true, minor: 100050n });
    expect(parseMajor('1.10', 'KES')).toEqual({ ok: true, minor: 110n });
    expect(parseMajor('0.07', 'KES')).toEqual({ ok: true, minor: 7n });
    expect(parseMajor('1.005', 'BHD')).toEqual({ ok: true, minor: 1005n });
    expect(parseMajor('1000', 'XOF')).toEqual({ ok: true, minor: 1000n });
    expect(parseMajor('1000.00', 'XOF')).toEqual({ ok: true, minor: 1000n });
    expect(parseMajor(' 12.34 ', 'KES')).toEqual({ ok: true, minor: 1234n });
  });

  it('keeps digits beyond Number precision exact', () => {
    // 2^53 + 1 major units: a float would round this.
    expect(parseMajor('9007199254740993.01', 'KES')).toEqual({ ok: true, minor: 900719925474099301n });
    expect(parseMajor('92233720368547758.07', 'KES')).toEqual({ ok: true, minor: MAX_MINOR });
  });

  it('refuses a float sum such as 0.1 + 0.2 rather than rounding it to 30', () => {
    const result = parseMajor(0.1 + 0.2, 'KES');
    expect(result.ok).toBe(false);
  });

  it('accepts JSON numbers that are exact decimals', () => {
    expect(parseMajor(10.5, 'KES')).toEqual({ ok: true, minor: 1050n });
    expect(parseMajor(0.3, 'KES')).toEqual({ ok: true, minor: 30n });
    expect(parseMajor(1000, 'XOF')).toEqual({ ok: true, minor: 1000n });
  });

  it('refuses too many decimals, exponents, non-finite numbers, garbage, out of range and unknown currencies', () => {
    expect(parseMajor('10.505', 'KES').ok).toBe(false);
    expect(parseMajor('1.5', 'XOF').ok).toBe(false);
    expect(parseMajor('1.0005', 'BHD').ok).toBe(false);
    expect(parseMajor('1e3', 'KES').ok).toBe(false);
    expect(parseMajor(1e21, 'KES').ok).toBe(false);
    expect(parseMajor(1e-7, 'KES').ok).toBe(false);
    expect(parseMajor(Number.NaN, 'KES').ok).toBe(false);
    expect(parseMajor(Number.POSITIVE_INFINITY, 'KES').ok).toBe(false);
    expect(parseMajor('', 'KES').ok).toBe(false);
    expect(parseMajor('.5', 'KES').ok).toBe(false);
    expect(parseMajor('10.', 'KES').ok).toBe(false);
    expect(parseMajor('1,000.00', 'KES').ok).toBe(false);
    expect(parseMajor('abc', 'KES').ok).toBe(false);
    expect(parseMajor('92233720368547758.08', 'KES').ok).toBe(false);
    expect(parseMajor('10.50', 'KSH').ok).toBe(false);
  });

  it('keeps the sign of negative amounts (the envelope refuses them separately)', () => {
    expect(parseMajor('-0.50', 'KES')).toEqual({ ok: true, minor: -50n });
  });
});
