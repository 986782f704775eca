import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type Mode, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { describeWith, type Service } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';

const NEEDS: Record<Mode, Service[]> = { embedded: [], services: ['postgres', 'redis'] };

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `live delivery (${mode})`, () => {
    let t: TestApp;
    let token: string;

    beforeAll(async () => {
      t = await startTestApp({ mode });
      await t.createMerchant('m_live');
      token = await t.merchantToken('m_live');
    });
    afterAll(() => t?.stop());

    it('delivers an ingested event to a graphql-ws subscriber', async () => {
      const client = t.wsClient({ authorization: `Bearer ${token}` });
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() > 0);

      const input = eventInput({ amountMinor: '123456' });
      const res = await t.gql(IngestOne, { event: input }, { token });
      expect(res.errors).toBeUndefined();
      expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');

      const [first] = await sub.waitFor(1);
      expect(first?.errors).toBeUndefined();
      const delivered = first?.data?.paymentEvents;
      expect(delivered?.eventId).toBe(input.eventId);
      expect(delivered?.amount).toEqual({ amountMinor: '123456', currency: 'KES', amount: '1234.56' });
      expect(delivered?.cursor).toBe(res.data?.ingestPaymentEvent.event!.cursor);
      sub.stop();
    });

    it('delivers an ingested event over SSE (graphql-sse client, distinct connections mode)', async () => {
      const client = createSseClient({ url: t.url, headers: { authorization: `Bearer ${token}` } });
      const input = eventInput({ amountMinor: '500', currency: 'XOF' });
      const received = (async () => {
        for await (const result of client.iterate<{ paymentEvents: { eventId: string; amount: { amount: string } } }>({ query: 'subscription { paymentEvents { eventId amount { amount } } }' })) {
          // Leaving the loop aborts the stream.
          if (result.data?.paymentEvents.eventId === input.eventId) return result;
        }
        return undefined;
      })();
      await waitUntil(() => t.pubsub.activeSubscriptions() > 0);
      await t.gql(IngestOne, { event: input }, { token });
      expect(await received).toEqual({ data: { paymentEvents: { eventId: input.eventId, amount: { amount: '500' } } } });
      // The ended stream releases its pubsub subscription.
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0);
      client.dispose();
    });

    it('stops receiving and unsubscribes from pubsub when the client completes', async () => {
      const client = t.wsClient({ authorization: `Bearer ${token}` });
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1);
      await t.gql(IngestOne, { event: eventInput() }, { token });
      await sub.waitFor(1);

      sub.stop();
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, 5_000, () => 'pubsub unsubscribe');
      await t.gql(IngestOne, { event: eventInput() }, { token });
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.results).toHaveLength(1);
    });
  });
}
