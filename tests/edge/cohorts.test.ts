/**
 * Cohorts (src/edge/cohorts.ts) on their own, with a counting `subscribe` whose source is a push
 * queue: subscribers of one operation, variables and scope share one source and one result per
 * event; different scopes never share; each member has its own bounded queue; the last member
 * leaving returns the source.
 */
import { parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createCohorts, type SubscribeResult } from '../../src/edge/cohorts.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { createPushQueue, type PushQueue } from '../../src/lib/push-queue.js';
import { guardSubscription, slowConsumerError } from '../../src/server/backpressure.js';
import { ErrorCode } from '../../src/schema/errors.js';
import { schema } from '../../src/schema/index.js';

const LIVE = parse('subscription Live($filter: PaymentEventFilter, $after: String) { paymentEvents(filter: $filter, after: $after) { cursor } }');
const DASHBOARD = parse('subscription { dashboardUpdated { merchantId } }');
const NOTIFICATIONS = parse('subscription { notificationAdded { id } }');

const merchantUser = (merchantId: string, subject = 'u1'): Principal => ({ kind: 'user', subject, role: 'merchant', merchantId, expiresAt: null });
const admin: Principal = { kind: 'user', subject: 'root', role: 'admin', merchantId: null, expiresAt: null };

const event = (cursor: string): ExecutionResult => ({ data: { paymentEvents: { cursor } } });

/** A `subscribe` that counts its calls; each call's source is a push queue the test feeds. */
function countingSubscribe() {
  const sources: Array<PushQueue<ExecutionResult> & { returned: boolean }> = [];
  const subscribe = (_args: ExecutionArgs): SubscribeResult => {
    const source = Object.assign(createPushQueue<ExecutionResult>({ onReturn: () => void (source.returned = true) }), { returned: false });
    sources.push(source);
    return source.iterator;
  };
  return { subscribe, sources };
}

function setup(maxQueued = 100) {
  const metrics = createMetrics({ defaultMetrics: false });
  const cohorts = createCohorts({ metrics, maxQueued, overflowError: () => slowConsumerError(undefined) });
  const executions = async (field = 'paymentEvents') => (await metrics.cohortExecutions.get()).values.find((v) => v.labels.field === field)?.value ?? 0;
  return { metrics, cohorts, executions };
}

const argsFor = (document: typeof LIVE, principal: Principal, variableValues: Record<string, unknown> = {}): ExecutionArgs => ({
  schema,
  document,
  variableValues,
  contextValue: { principal },
  operationName: document === LIVE ? 'Live' : undefined,
});

async function iterator(result: SubscribeResult | Promise<SubscribeResult>): Promise<AsyncIterableIterator<ExecutionResult>> {
  const value = await result;
  if (!(Symbol.asyncIterator in value)) throw new Error(`not a stream: ${JSON.stringify(value)}`);
  return value;
}

/** Lets the cohort's pump hand queued results to its members. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('subscription cohorts', () => {
  it('gives N subscribers of the same operation, variables and scope one source and one execution per event', async () => {
    const { cohorts, executions } = setup();
    const { subscribe, sources } = countingSubscribe();
    const members = await Promise.all(Array.from({ length: 5 }, (_, i) => iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1', `u${i}`), { filter: null }), subscribe))));
    expect(sources).toHaveLength(1);
    expect(cohorts.size()).toBe(1);
    for (const cursor of ['1', '2', '3']) sources[0]!.push(event(cursor));
    await settle();
    const received = await Promise.all(members.map(async (m) => [await m.next(), await m.next(), await m.next()].map((s) => s.value)));
    for (const values of received) expect(values).toEqual([event('1'), event('2'), event('3')]);
    // The same object for every member: executed once, serialisable once.
    expect(received[1]![0]).toBe(received[0]![0]);
    expect(await executions()).toBe(3);
  });

  it('never shares between two merchants, two roles or two credential kinds', async () => {
    const { cohorts } = setup();
    const { subscribe, sources } = countingSubscribe();
    const variables = { filter: { merchantId: 'm1' } };
    const apiKey: Principal = { kind: 'apiKey', subject: 'k1', role: 'merchant', merchantId: 'm1', expiresAt: null };
    const m1 = await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), variables), subscribe));
    const m2 = await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m2'), variables), subscribe));
    const root = await iterator(cohorts.subscribe(argsFor(LIVE, admin, variables), subscribe));
    const key = await iterator(cohorts.subscribe(argsFor(LIVE, apiKey, variables), subscribe));
    expect(sources).toHaveLength(4);
    expect(cohorts.size()).toBe(4);
    sources[1]!.push(event('m2-1'));
    await settle();
    expect((await m2.next()).value).toEqual(event('m2-1'));
    await Promise.all([m1, root, key].map((m) => m.return?.()));
    expect(sources.map((s) => s.returned)).toEqual([true, false, true, true]);
  });

  it('runs a subscriber with `after`, different variables or an unshared field on its own', async () => {
    const { cohorts } = setup();
    const { subscribe, sources } = countingSubscribe();
    await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), {}), subscribe));
    await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), { after: '10' }), subscribe));
    await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), { after: '10' }), subscribe));
    await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), { filter: { types: ['PAYMENT_COMPLETED'] } }), subscribe));
    await iterator(cohorts.subscribe(argsFor(NOTIFICATIONS, merchantUser('m1')), subscribe));
    await iterator(cohorts.subscribe(argsFor(NOTIFICATIONS, merchantUser('m1')), subscribe));
    expect(sources).toHaveLength(6);
    expect(cohorts.size()).toBe(2);
  });

  it('ends only the slow member with SLOW_CONSUMER and its `after`; the others keep receiving', async () => {
    const { cohorts, metrics } = setup(3);
    const { subscribe, sources } = countingSubscribe();
    const guard = (m: AsyncIterableIterator<ExecutionResult>) => guardSubscription(m, { socket: { bufferedAmount: 0 }, maxBufferedBytes: 1024, metrics, logger: createLogger({ level: 'silent' }) });
    const fast = guard(await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), {}), subscribe)));
    const slow = guard(await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), {}), subscribe)));
    sources[0]!.push(event('1'));
    await settle();
    expect((await fast.next()).value).toEqual(event('1'));
    expect((await slow.next()).value).toEqual(event('1'));
    // The slow member stops reading: its queue of 3 overflows at the 4th result.
    const fastSeen: unknown[] = [];
    for (const cursor of ['2', '3', '4', '5', '6']) {
      sources[0]!.push(event(cursor));
      await settle();
      fastSeen.push((await fast.next()).value);
    }
    expect(fastSeen).toEqual(['2', '3', '4', '5', '6'].map(event));
    const ended = await slow.next();
    expect(ended.value?.errors?.[0]?.extensions).toEqual({ code: ErrorCode.SlowConsumer, after: '1' });
    expect((await slow.next()).done).toBe(true);
    expect(cohorts.members()).toBe(1);
    sources[0]!.push(event('7'));
    await settle();
    expect((await fast.next()).value).toEqual(event('7'));
    expect(sources[0]!.returned).toBe(false);
  });

  it('returns the source when the last member leaves, and starts a new one for the next subscriber', async () => {
    const { cohorts } = setup();
    const { subscribe, sources } = countingSubscribe();
    const a = await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), {}), subscribe));
    const b = await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), {}), subscribe));
    await a.return?.();
    expect(sources[0]!.returned).toBe(false);
    await b.return?.();
    await settle();
    expect(sources[0]!.returned).toBe(true);
    expect(cohorts.size()).toBe(0);
    await iterator(cohorts.subscribe(argsFor(LIVE, merchantUser('m1'), {}), subscribe));
    expect(sources).toHaveLength(2);
  });

  it('gives a member joining a running snapshot stream the latest snapshot first', async () => {
    const { cohorts } = setup();
    const { subscribe, sources } = countingSubscribe();
    const first = await iterator(cohorts.subscribe(argsFor(DASHBOARD, merchantUser('m1')), subscribe));
    const snapshot = { data: { dashboardUpdated: { merchantId: 'm1' } } };
    sources[0]!.push(snapshot);
    await settle();
    expect((await first.next()).value).toEqual(snapshot);
    const late = await iterator(cohorts.subscribe(argsFor(DASHBOARD, merchantUser('m1', 'u2')), subscribe));
    expect((await late.next()).value).toBe(snapshot);
    expect(sources).toHaveLength(1);
  });
});
