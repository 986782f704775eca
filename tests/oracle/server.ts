/**
 * The oracle's side of the wire: hand-written GraphQL documents (no shared client code with the
 * implementation), ingest through `ingestPaymentEvents` / `ingestEnvelopes`, answers normalised
 * into plain JSON views, and a field-by-field diff against the model's views.
 */
import { randomUUID } from 'node:crypto';
import type { PaymentEventInput } from '../generated/graphql.js';
import { startTestApp, type Mode, type RequestOptions, type TestApp } from '../support/app.js';
import * as model from './model.js';
import type { RawEvent } from './model.js';

/** The app under test: rate limits off (hundreds of queries per stream), everything else default. */
export function startOracleApp(mode: Mode): Promise<TestApp> {
  return startTestApp({ mode, env: { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_API_KEY_PER_MINUTE: '0' } });
}

export interface Tenant {
  id: string;
  timezone: string;
  auth: RequestOptions;
}

export async function newTenant(t: TestApp, timezone: string, via: 'token' | 'apiKey' = 'token'): Promise<Tenant> {
  const id = `m_${randomUUID().slice(0, 12)}`;
  await t.createMerchant(id, timezone);
  const token = await t.merchantToken(id);
  if (via === 'token') return { id, timezone, auth: { token } };
  const res = await t.post({ query: 'mutation K($name: String!) { createApiKey(name: $name) { secret } }', variables: { name: 'oracle' } }, { token });
  if (res.json?.errors) throw new Error(`createApiKey: ${JSON.stringify(res.json.errors)}`);
  return { id, timezone, auth: { apiKey: res.json.data.createApiKey.secret as string } };
}

// ---- documents -----------------------------------------------------------------------------

const MONEY = 'fragment M on Money { amountMinor currency amount }';
const TOTALS = 'fragment T on AnalyticsTotals { currency transactions succeeded failed refunded newCustomers successRate gross { ...M } fees { ...M } net { ...M } refundedAmount { ...M } }';

export const Q = {
  ingest: `mutation Ingest($events: [PaymentEventInput!]!) { ingestPaymentEvents(events: $events) { ingested duplicates rejected accepted errors { index field code message } results { index status } } }`,
  envelopes: `mutation Env($envelopes: [JSON!]!) { ingestEnvelopes(envelopes: $envelopes) { ingested duplicates rejected accepted errors { index field code message } results { index status } } }`,
  analytics: `query A($from: DateTime!, $to: DateTime!, $g: Granularity) { analytics(from: $from, to: $to, granularity: $g) { bucket totals { ...T } } } ${TOTALS} ${MONEY}`,
  overview: `query O { dashboardOverview { merchantId timezone today currencies { currency today { ...T } yesterday { ...T } thisMonth { ...T } growth { transactions gross net } } } } ${TOTALS} ${MONEY}`,
  methods: `query P($days: Int) { paymentMethods(days: $days) { paymentMethod currency transactions succeeded successRate share gross { ...M } } } ${MONEY}`,
  products: `query Top($days: Int, $limit: Int, $currency: String) { topProducts(days: $days, limit: $limit, currency: $currency) { productId productName sold revenue { ...M } } } ${MONEY}`,
  customers: `query C($limit: Int, $currency: String) { customers(limit: $limit, currency: $currency) { currency customers returning newToday topSpenders { customerId transactions succeeded spent { ...M } firstSeen lastSeen } } } ${MONEY}`,
  wallet: `query W($id: ID!) { wallet(id: $id) { id: walletId ownerId merchantId currency available { ...M } pending { ...M } overdrawn version } } ${MONEY}`,
  myWallets: `query MW { myWallets { id: walletId ownerId merchantId currency available { ...M } pending { ...M } overdrawn } } ${MONEY}`,
  paymentStatus: `query PS($reference: String!) { paymentStatus(reference: $reference) { ...R } } fragment R on TrackedReference { reference merchantId kind status final amount { ...M } provider updatedAt history { eventId type status amount { ...M } at } } ${MONEY}`,
  transferStatus: `query TS($reference: String!) { transferStatus(reference: $reference) { ...R } } fragment R on TrackedReference { reference merchantId kind status final amount { ...M } provider updatedAt history { eventId type status amount { ...M } at } } ${MONEY}`,
};

export interface Answer {
  data: any;
  errors: { message: string; extensions?: { code?: string } }[] | undefined;
  status: number;
}

export async function ask(t: TestApp, query: string, variables: Record<string, unknown>, auth: RequestOptions): Promise<Answer> {
  const res = await t.post({ query, variables }, auth);
  return { data: res.json?.data, errors: res.json?.errors, status: res.status };
}

/** The data of an answer that must not fail; otherwise a precise error. */
export async function must(t: TestApp, label: string, query: string, variables: Record<string, unknown>, auth: RequestOptions): Promise<any> {
  const a = await ask(t, query, variables, auth);
  if (a.errors?.length || !a.data) throw new Error(`${label} ${JSON.stringify(variables)} failed (HTTP ${a.status}): ${JSON.stringify(a.errors)}`);
  return a.data;
}

export const errorCodes = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.code ?? '(no code)');

// ---- ingest --------------------------------------------------------------------------------

const enumOf = (s: string) => s.toUpperCase().replace('.', '_');

export function toInput(e: RawEvent): PaymentEventInput {
  return {
    eventId: e.eventId,
    type: enumOf(e.type) as PaymentEventInput['type'],
    provider: e.provider,
    ...(e.paymentMethod ? { paymentMethod: enumOf(e.paymentMethod) as PaymentEventInput['paymentMethod'] } : {}),
    amountMinor: e.amountMinor.toString(),
    feeMinor: e.feeMinor.toString(),
    currency: e.currency,
    ...(e.customerId !== undefined ? { customerId: e.customerId } : {}),
    ...(e.productId !== undefined ? { productId: e.productId } : {}),
    ...(e.productName !== undefined ? { productName: e.productName } : {}),
    ...(e.walletId !== undefined ? { walletId: e.walletId } : {}),
    ...(e.reference !== undefined ? { reference: e.reference } : {}),
    occurredAt: new Date(e.occurredAt).toISOString(),
  };
}

/** The same event as a raw envelope for `ingestEnvelopes`: version 2 (JSON), or version 1 (snake_case, major units as exact decimal strings). */
export function toEnvelope(e: RawEvent, version: 1 | 2): Record<string, unknown> {
  if (version === 2) {
    return {
      schemaVersion: 2,
      ...toInput(e),
      type: e.type,
      ...(e.paymentMethod ? { paymentMethod: e.paymentMethod } : {}),
    };
  }
  return {
    schemaVersion: 1,
    transaction_id: e.eventId,
    event_type: e.type.replace('.', '_'),
    provider: e.provider,
    amount: model.formatAmount(e.amountMinor, e.currency),
    fee: model.formatAmount(e.feeMinor, e.currency),
    currency: e.currency,
    ...(e.paymentMethod ? { payment_method: e.paymentMethod } : {}),
    ...(e.customerId !== undefined ? { customer_id: e.customerId } : {}),
    ...(e.productId !== undefined ? { product_id: e.productId } : {}),
    ...(e.productName !== undefined ? { product_name: e.productName } : {}),
    ...(e.walletId !== undefined ? { wallet_id: e.walletId } : {}),
    ...(e.reference !== undefined ? { reference: e.reference } : {}),
    occurred_at: new Date(e.occurredAt).toISOString(),
  };
}

export interface Expected {
  status: 'INGESTED' | 'DUPLICATE' | 'REJECTED';
  /** For REJECTED: the per-item error code. */
  code?: string;
}

// ---- views: the same plain shape for the model and for the server -------------------------

type View = null | string | number | boolean | View[] | { [k: string]: View };

export const money = (minor: bigint, currency: string) => ({ amountMinor: minor.toString(), currency, amount: model.formatAmount(minor, currency) });
const serverMoney = (m: any): View => (m == null ? m : { amountMinor: String(m.amountMinor), currency: m.currency, amount: m.amount });
const iso = (v: string | number) => new Date(v).toISOString();

export function totalsView(t: model.Totals): View {
  return {
    currency: t.currency,
    transactions: t.transactions,
    succeeded: t.succeeded,
    failed: t.failed,
    refunded: t.refunded,
    newCustomers: t.newCustomers,
    successRate: model.successRate(t.succeeded, t.transactions),
    gross: money(t.gross, t.currency),
    fees: money(t.fees, t.currency),
    net: money(t.net, t.currency),
    refundedAmount: money(t.refundedAmount, t.currency),
  };
}

function serverTotals(t: any): View {
  return {
    currency: t.currency,
    transactions: t.transactions,
    succeeded: t.succeeded,
    failed: t.failed,
    refunded: t.refunded,
    newCustomers: t.newCustomers,
    successRate: t.successRate,
    gross: serverMoney(t.gross),
    fees: serverMoney(t.fees),
    net: serverMoney(t.net),
    refundedAmount: serverMoney(t.refundedAmount),
  };
}

/** Buckets keyed by "bucket currency" (their order in the list is not defined by the docs). */
export function bucketsView(list: model.Bucket[], hourly: boolean): View {
  return Object.fromEntries(list.map((b) => [`${hourly ? iso(Number(b.bucket)) : b.bucket} ${b.totals.currency}`, totalsView(b.totals)]));
}

export function serverBucketsView(list: any[], hourly: boolean, problems: string[], label: string): View {
  const out: Record<string, View> = {};
  for (const b of list) {
    const key = `${hourly ? iso(b.bucket) : b.bucket} ${b.totals.currency}`;
    if (key in out) problems.push(`${label}: bucket ${key} listed twice`);
    out[key] = serverTotals(b.totals);
  }
  return out;
}

export function overviewView(list: model.CurrencyOverview[]): View {
  return Object.fromEntries(list.map((c) => [c.currency, { today: totalsView(c.today), yesterday: totalsView(c.yesterday), thisMonth: totalsView(c.thisMonth), growth: c.growth }]));
}

export function serverOverviewView(list: any[]): View {
  return Object.fromEntries(list.map((c) => [c.currency, { today: serverTotals(c.today), yesterday: serverTotals(c.yesterday), thisMonth: serverTotals(c.thisMonth), growth: { transactions: c.growth.transactions, gross: c.growth.gross, net: c.growth.net } }]));
}

/** paymentMethods: the order within a currency is defined (transactions desc, then name); across currencies it is not. */
export function methodsView(list: model.MethodStats[]): View {
  const out: Record<string, View[]> = {};
  for (const m of list) (out[m.currency] ??= []).push({ paymentMethod: m.paymentMethod, transactions: m.transactions, succeeded: m.succeeded, successRate: m.successRate, share: m.share, gross: money(m.gross, m.currency) });
  return out;
}

export function serverMethodsView(list: any[]): View {
  const out: Record<string, View[]> = {};
  for (const m of list) (out[m.currency] ??= []).push({ paymentMethod: m.paymentMethod, transactions: m.transactions, succeeded: m.succeeded, successRate: m.successRate, share: m.share, gross: serverMoney(m.gross) });
  return out;
}

export const productsView = (list: model.ProductStats[], currency: string): View =>
  list.map((p) => ({ productId: p.productId, productName: p.productName, sold: p.sold, revenue: money(p.revenue, currency) }));
export const serverProductsView = (list: any[]): View => list.map((p) => ({ productId: p.productId, productName: p.productName ?? null, sold: p.sold, revenue: serverMoney(p.revenue) }));

export function customersView(c: model.CustomerSummary): View {
  return {
    currency: c.currency,
    customers: c.customers,
    returning: c.returning,
    newToday: c.newToday,
    topSpenders: c.topSpenders.map((r) => ({ customerId: r.customerId, transactions: r.transactions, succeeded: r.succeeded, spent: money(r.spent, r.currency), firstSeen: iso(r.firstSeen), lastSeen: iso(r.lastSeen) })),
  };
}

export function serverCustomersView(c: any): View {
  return {
    currency: c.currency,
    customers: c.customers,
    returning: c.returning,
    newToday: c.newToday,
    topSpenders: c.topSpenders.map((r: any) => ({ customerId: r.customerId, transactions: r.transactions, succeeded: r.succeeded, spent: serverMoney(r.spent), firstSeen: iso(r.firstSeen), lastSeen: iso(r.lastSeen) })),
  };
}

export function walletView(w: model.WalletModel, merchantId: string): View {
  return { id: w.id, ownerId: w.ownerId, merchantId, currency: w.currency, available: money(w.available, w.currency), pending: money(w.pending, w.currency), overdrawn: w.available < 0n };
}
export const serverWalletView = (w: any): View => ({ id: w.id, ownerId: w.ownerId, merchantId: w.merchantId, currency: w.currency, available: serverMoney(w.available), pending: serverMoney(w.pending), overdrawn: w.overdrawn });

export function trackedView(s: model.Tracked | undefined, merchantId: string): View {
  if (!s) return null;
  return {
    reference: s.reference,
    merchantId,
    kind: s.kind,
    status: s.status,
    final: s.final,
    amount: money(s.setter.amountMinor, s.setter.currency),
    provider: s.setter.provider,
    updatedAt: iso(s.setter.occurredAt),
    history: s.history.map((h) => ({ eventId: h.event.eventId, type: enumOf(h.event.type), status: h.status, amount: money(h.event.amountMinor, h.event.currency), at: iso(h.event.occurredAt) })),
  };
}

export function serverTrackedView(s: any): View {
  if (s == null) return null;
  return {
    reference: s.reference,
    merchantId: s.merchantId,
    kind: s.kind,
    status: s.status,
    final: s.final,
    amount: serverMoney(s.amount),
    provider: s.provider,
    updatedAt: iso(s.updatedAt),
    history: s.history.map((h: any) => ({ eventId: h.eventId, type: h.type, status: h.status, amount: serverMoney(h.amount), at: iso(h.at) })),
  };
}

// ---- diff ----------------------------------------------------------------------------------

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** Every leaf where the two views differ, as "path: model=… server=…". */
export function diff(path: string, want: unknown, got: unknown, out: string[]): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) out.push(`${path}.length: model=${want.length} server=${got.length}`);
    for (let i = 0; i < Math.max(want.length, got.length); i++) diff(`${path}[${i}]`, want[i], got[i], out);
  } else if (isObj(want) && isObj(got)) {
    for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) diff(`${path}.${k}`, want[k], got[k], out);
  } else if (!Object.is(want, got) && !(want === null && got === undefined)) {
    out.push(`${path}: model=${show(want)} server=${show(got)}`);
  }
  return out;
}

/** Throws one error naming the stream and every differing field (capped), or returns. */
export function report(stream: string, problems: string[]): void {
  if (problems.length === 0) return;
  const cap = 60;
  throw new Error(`${stream}: ${problems.length} mismatch(es), model (docs) vs server:\n  ${problems.slice(0, cap).join('\n  ')}${problems.length > cap ? `\n  … and ${problems.length - cap} more` : ''}`);
}
