/** What the live dashboard charts beyond the analytics aggregates: event activity per minute or hour and per provider. */
import { bucketCount, MAX_ACTIVITY_BUCKETS, type Activity, type ActivityBucket, type ActivityGranularity, type ProviderActivity } from '../payments/activity.js';
import { builder } from './builder.js';
import { clientError, ErrorCode } from './errors.js';
import { Money } from './money.js';
import { merchantScope } from './scope.js';

const count = (n: bigint) => Number(n);

const ActivityGranularityEnum = builder.enumType('ActivityGranularity', {
  values: {
    MINUTE: { value: 'minute', description: `UTC minutes (at most ${MAX_ACTIVITY_BUCKETS.minute} per call).` },
    HOUR: { value: 'hour', description: `UTC hours (at most ${MAX_ACTIVITY_BUCKETS.hour} per call).` },
  } as const,
});

const ActivityBucketRef = builder.objectRef<ActivityBucket>('ActivityBucket').implement({
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start of the UTC minute or hour.' }),
    events: t.int({ description: 'Events of every type that occurred in it.', resolve: (b) => count(b.events) }),
    completed: t.int({ description: '`payment.completed` events.', resolve: (b) => count(b.completed) }),
    failed: t.int({ description: '`payment.failed` events.', resolve: (b) => count(b.failed) }),
  }),
});

const ProviderActivityRef = builder.objectRef<ProviderActivity>('ProviderActivity').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    events: t.int({ resolve: (p) => count(p.events) }),
    completed: t.int({ resolve: (p) => count(p.completed) }),
    failed: t.int({ resolve: (p) => count(p.failed) }),
    completedAmount: t.field({
      type: [Money],
      description: 'Sum of the completed events’ amounts, one entry per currency (amounts are never converted).',
      resolve: (p) => p.completedMinor,
    }),
  }),
});

const ActivityRef = builder.objectRef<Activity>('PaymentActivity').implement({
  description: 'Events by when they occurred (not the per-payment aggregates of `analytics`): docs/dashboard.md.',
  fields: (t) => ({
    buckets: t.field({ type: [ActivityBucketRef], description: 'Every bucket of the range, oldest first, empty ones included.', resolve: (a) => a.buckets }),
    providers: t.field({ type: [ProviderActivityRef], description: 'Providers with events in the range, most events first.', resolve: (a) => a.providers }),
  }),
});

builder.queryFields((t) => ({
  paymentActivity: t.field({
    type: ActivityRef,
    description:
      'Stored events with `from <= occurredAt < to`, counted per UTC minute or hour and per provider: the dashboard’s volume trend, success rate over time and provider split. The merchant, or admins naming `merchantId`.',
    authScopes: { merchantStaff: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      granularity: t.arg({ type: ActivityGranularityEnum, required: false, defaultValue: 'minute' }),
      merchantId: t.arg.id({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const merchantId = merchantScope(ctx, args.merchantId?.toString());
      if (!(await ctx.domain.merchants.get(merchantId))) throw clientError(ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);
      if (args.from >= args.to) throw clientError(ErrorCode.BadUserInput, '`from` must be before `to`');
      const granularity: ActivityGranularity = args.granularity ?? 'minute';
      const max = MAX_ACTIVITY_BUCKETS[granularity];
      if (bucketCount(args.from, args.to, granularity) > max) throw clientError(ErrorCode.RangeTooLarge, `${granularity} activity covers at most ${max} buckets`, { max });
      return ctx.domain.activity.activity({ merchantId, from: args.from, to: args.to, granularity });
    },
  }),
}));
