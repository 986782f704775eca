import type { DashboardSnapshot } from '../analytics/live.js';
import type { Bucket, CurrencyOverview, CustomerSummary, MethodStats, ProductStats, Totals } from '../analytics/queries.js';
import { bucketRange, dayCount, MAX_DAYS, MAX_HOURS, reportCurrency, topLimit } from '../analytics/ranges.js';
import { growth, percent, withShares } from '../analytics/ratios.js';
import { builder, type GraphQLContext } from './builder.js';
import { clientError, ErrorCode, orThrow } from './errors.js';
import { Money } from './money.js';
import { merchantScope } from './scope.js';

const count = (n: bigint) => Number(n);

const TotalsRef = builder.objectRef<Totals>('AnalyticsTotals').implement({
  description: 'Counts and sums of payments (docs/analytics.md: one transaction per payment, in the bucket of its first event).',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    transactions: t.int({ resolve: (r) => count(r.transactions) }),
    succeeded: t.int({ resolve: (r) => count(r.succeeded) }),
    failed: t.int({ resolve: (r) => count(r.failed) }),
    refunded: t.int({ resolve: (r) => count(r.refunded) }),
    newCustomers: t.int({ resolve: (r) => count(r.newCustomers) }),
    successRate: t.float({ nullable: true, description: 'Succeeded / transactions, in percent.', resolve: (r) => percent(r.succeeded, r.transactions) }),
    gross: t.field({ type: Money, resolve: (r) => ({ amountMinor: r.grossMinor, currency: r.currency }) }),
    fees: t.field({ type: Money, resolve: (r) => ({ amountMinor: r.feeMinor, currency: r.currency }) }),
    refundedAmount: t.field({ type: Money, resolve: (r) => ({ amountMinor: r.refundedMinor, currency: r.currency }) }),
    net: t.field({ type: Money, description: 'Gross − fees − refunded amount.', resolve: (r) => ({ amountMinor: r.netMinor, currency: r.currency }) }),
  }),
});

const GrowthRef = builder.objectRef<CurrencyOverview>('Growth').implement({
  description: 'Today against yesterday, in percent; null when yesterday had none.',
  fields: (t) => ({
    transactions: t.float({ nullable: true, resolve: (o) => growth(o.today.transactions, o.yesterday.transactions) }),
    gross: t.float({ nullable: true, resolve: (o) => growth(o.today.grossMinor, o.yesterday.grossMinor) }),
    net: t.float({ nullable: true, resolve: (o) => growth(o.today.netMinor, o.yesterday.netMinor) }),
  }),
});

const CurrencyOverviewRef = builder.objectRef<CurrencyOverview>('CurrencyOverview').implement({
  fields: (t) => ({
    currency: t.exposeString('currency'),
    today: t.field({ type: TotalsRef, resolve: (o) => o.today }),
    yesterday: t.field({ type: TotalsRef, resolve: (o) => o.yesterday }),
    growth: t.field({ type: GrowthRef, resolve: (o) => o }),
    thisMonth: t.field({ type: TotalsRef, resolve: (o) => o.thisMonth }),
  }),
});

const DashboardOverviewRef = builder
  .objectRef<{ merchantId: string; timezone: string; today: string; currencies: CurrencyOverview[] }>('DashboardOverview')
  .implement({
    fields: (t) => ({
      merchantId: t.exposeID('merchantId'),
      timezone: t.exposeString('timezone', { description: "The merchant's IANA timezone: days are counted in it." }),
      today: t.exposeString('today', { description: 'Today in the merchant timezone, YYYY-MM-DD.' }),
      currencies: t.field({ type: [CurrencyOverviewRef], resolve: (o) => o.currencies }),
    }),
  });

const BucketRef = builder.objectRef<Bucket>('AnalyticsBucket').implement({
  fields: (t) => ({
    bucket: t.exposeString('bucket', { description: 'YYYY-MM-DD (DAILY, merchant-local) or the ISO start of a UTC hour (HOURLY).' }),
    totals: t.field({ type: TotalsRef, resolve: (b) => b }),
  }),
});

const MethodRef = builder.objectRef<MethodStats & { share: number | null }>('PaymentMethodStats').implement({
  fields: (t) => ({
    paymentMethod: t.exposeString('paymentMethod', { description: 'mobile_money, card, … or unknown.' }),
    currency: t.exposeString('currency'),
    transactions: t.int({ resolve: (m) => count(m.transactions) }),
    succeeded: t.int({ resolve: (m) => count(m.succeeded) }),
    successRate: t.float({ nullable: true, resolve: (m) => percent(m.succeeded, m.transactions) }),
    share: t.float({ nullable: true, description: "Share of the currency's transactions, in percent.", resolve: (m) => m.share }),
    gross: t.field({ type: Money, resolve: (m) => ({ amountMinor: m.grossMinor, currency: m.currency }) }),
  }),
});

const ProductRef = builder.objectRef<ProductStats>('ProductStats').implement({
  fields: (t) => ({
    productId: t.exposeString('productId'),
    productName: t.exposeString('productName', { nullable: true }),
    sold: t.int({ description: 'Succeeded payments for it.', resolve: (p) => count(p.sold) }),
    revenue: t.field({ type: Money, description: 'Gross minus refunds.', resolve: (p) => ({ amountMinor: p.grossMinor, currency: p.currency }) }),
  }),
});

const SpenderRef = builder.objectRef<CustomerSummary['top'][number]>('CustomerSpend').implement({
  fields: (t) => ({
    customerId: t.exposeString('customerId'),
    transactions: t.int({ resolve: (c) => count(c.transactions) }),
    succeeded: t.int({ resolve: (c) => count(c.succeeded) }),
    spent: t.field({ type: Money, description: 'Succeeded payments minus refunds.', resolve: (c) => ({ amountMinor: c.spentMinor, currency: c.currency }) }),
    firstSeen: t.expose('firstSeen', { type: 'DateTime' }),
    lastSeen: t.expose('lastSeen', { type: 'DateTime' }),
  }),
});

const CustomersRef = builder.objectRef<CustomerSummary & { currency: string }>('CustomerAnalytics').implement({
  fields: (t) => ({
    customers: t.int({ description: 'Distinct customers ever.', resolve: (c) => count(c.customers) }),
    returning: t.int({ description: 'Customers with more than one transaction.', resolve: (c) => count(c.returning) }),
    newToday: t.int({ resolve: (c) => count(c.newToday) }),
    currency: t.exposeString('currency', { description: 'The currency of topSpenders.' }),
    topSpenders: t.field({ type: [SpenderRef], resolve: (c) => c.top }),
  }),
});

const DashboardUpdateRef = builder.objectRef<DashboardSnapshot>('DashboardUpdate').implement({
  fields: (t) => ({
    merchantId: t.exposeID('merchantId'),
    day: t.exposeString('day', { description: 'Today in the merchant timezone.' }),
    at: t.expose('at', { type: 'DateTime' }),
    today: t.field({ type: [TotalsRef], resolve: (s) => s.totals }),
  }),
});

const Granularity = builder.enumType('Granularity', { values: ['DAILY', 'HOURLY'] as const });

const days = (n: number | null | undefined) => orThrow(dayCount(n));
const limit = (n: number | null | undefined) => orThrow(topLimit(n));

async function scopedMerchant(ctx: GraphQLContext, requested: string | number | null | undefined) {
  const merchantId = merchantScope(ctx, requested?.toString());
  const merchant = await ctx.domain.analytics.merchant(merchantId);
  if (!merchant) throw clientError(ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);
  return { merchantId, ...merchant };
}

const currencyArg = (requested: string | null | undefined, fallback: string) => orThrow(reportCurrency(requested, fallback));

builder.queryFields((t) => ({
  dashboardOverview: t.field({
    type: DashboardOverviewRef,
    description: "Today against yesterday, and this month, per currency, in the merchant's timezone.",
    authScopes: { merchantStaff: true },
    args: { merchantId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { merchantId } = await scopedMerchant(ctx, args.merchantId);
      return { merchantId, ...(await ctx.domain.analytics.overview(merchantId)) };
    },
  }),
  analytics: t.field({
    type: [BucketRef],
    description: `Buckets from \`from\` to \`to\` (inclusive): DAILY in merchant-local days (at most ${MAX_DAYS}), HOURLY in UTC hours (at most ${MAX_HOURS}). Empty buckets are left out.`,
    authScopes: { merchantStaff: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      granularity: t.arg({ type: Granularity, required: false, defaultValue: 'DAILY' }),
      merchantId: t.arg.id({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { merchantId, timezone } = await scopedMerchant(ctx, args.merchantId);
      const range = orThrow(bucketRange(args.from, args.to, args.granularity ?? 'DAILY', timezone));
      return range.granularity === 'HOURLY' ? ctx.domain.analytics.hourly(merchantId, range.from, range.to) : ctx.domain.analytics.daily(merchantId, range.fromDay, range.toDay);
    },
  }),
  paymentMethods: t.field({
    type: [MethodRef],
    description: 'Per payment method and currency over the last `days` merchant-local days (today included).',
    authScopes: { merchantStaff: true },
    args: { days: t.arg.int({ required: false, defaultValue: 30 }), merchantId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { merchantId } = await scopedMerchant(ctx, args.merchantId);
      return withShares(await ctx.domain.analytics.paymentMethods(merchantId, days(args.days)));
    },
  }),
  topProducts: t.field({
    type: [ProductRef],
    description: "Best-selling products by revenue in one currency (default: the merchant's) over the last `days` days.",
    authScopes: { merchantStaff: true },
    args: {
      days: t.arg.int({ required: false, defaultValue: 30 }),
      limit: t.arg.int({ required: false, defaultValue: 10 }),
      currency: t.arg.string({ required: false }),
      merchantId: t.arg.id({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { merchantId, defaultCurrency } = await scopedMerchant(ctx, args.merchantId);
      return ctx.domain.analytics.topProducts(merchantId, currencyArg(args.currency, defaultCurrency), days(args.days), limit(args.limit));
    },
  }),
  customers: t.field({
    type: CustomersRef,
    description: "Customer counts, and the top spenders in one currency (default: the merchant's).",
    authScopes: { merchantStaff: true },
    args: { limit: t.arg.int({ required: false, defaultValue: 10 }), currency: t.arg.string({ required: false }), merchantId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { merchantId, defaultCurrency } = await scopedMerchant(ctx, args.merchantId);
      const currency = currencyArg(args.currency, defaultCurrency);
      return { currency, ...(await ctx.domain.analytics.customers(merchantId, currency, limit(args.limit))) };
    },
  }),
}));

builder.subscriptionFields((t) => ({
  dashboardUpdated: t.field({
    type: DashboardUpdateRef,
    description: "Today's live totals per currency: at once, then after committed events, at most four updates a second.",
    authScopes: { merchantStaff: true },
    args: { merchantId: t.arg.id({ required: false }) },
    subscribe: async (_root, args, ctx) => {
      const { merchantId } = await scopedMerchant(ctx, args.merchantId);
      return ctx.domain.feeds.dashboard(merchantId);
    },
    resolve: (snapshot) => snapshot,
  }),
}));
