/** An error in one subscription reaches that subscription only; the socket and its other subscriptions carry on. */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { guardSubscription } from '../../src/server/backpressure.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { collect, subscriptionErrorCodes } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';
import { Balance } from '../wallets/operations.js';

async function* failing(error: Error): AsyncGenerator<ExecutionResult> {
  yield { data: { paymentEvents: { cursor: '41' } } };
  yield { data: { paymentEvents: { cursor: '42' } } };
  throw error;
}

async function drain(iterator: AsyncIterableIterator<ExecutionResult>) {
  const out: ExecutionResult[] = [];
  for await (const r of iterator) out.push(r);
  return out;
}

describe('guardSubscription', () => {
  const options = { socket: { bufferedAmount: 0 }, maxBufferedBytes: 1024, metrics: createMetrics({ defaultMetrics: false }), logger: createLogger({ level: 'silent' }) };

  it('turns an unexpected stream error into one masked error result, then completes', async () => {
    const out = await drain(guardSubscription(failing(new Error('relation "secret_table" does not exist')), options));
    expect(out).toHaveLength(3);
    expect(out[2]!.errors![0]!.message).toBe('Unexpected error.');
    expect(out[2]!.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('keeps a client error as it is', async () => {
    const out = await drain(guardSubscription(failing(new GraphQLError('wallet gone', { extensions: { code: 'NOT_FOUND' } })), options));
    expect(out[2]!.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('ends with SLOW_CONSUMER and the last cursor handed out when the socket holds too much', async () => {
    const socket = { bufferedAmount: 0 };
    const guarded = guardSubscription(failing(new Error('never reached')), { ...options, socket });
    expect((await guarded.next()).value).toEqual({ data: { paymentEvents: { cursor: '41' } } });
    socket.bufferedAmount = 4096;
    const ended = await guarded.next();
    expect(ended.value.errors[0].extensions).toEqual({ code: 'SLOW_CONSUMER', after: '41' });
    expect((await guarded.next()).done).toBe(true);
  });
});

describe('one failing subscription on a shared socket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(() => t?.stop());

  it('sends the error to its own subscription and keeps the socket and the others live', async () => {
    const m = await newMerchant(t);
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const feed = collect(client, LiveEvents, {});
    const broken = collect(client, Balance, { walletId: 'w_does_not_exist' });
    // Wallets do not reveal whether an id exists to non-admins.
    expect(await subscriptionErrorCodes(broken)).toEqual(['FORBIDDEN']);

    const event = eventInput();
    await t.gql(IngestOne, { event }, { token: m.token });
    await feed.waitFor(1);
    expect(feed.data()[0]!.paymentEvents.eventId).toBe(event.eventId);
    expect(t.app.sockets()).toBe(1);
  });
});
