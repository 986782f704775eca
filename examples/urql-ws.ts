/**
 * urql 6 with graphql-ws for subscriptions (subscriptionExchange) and fetch for queries and
 * mutations.  Run: npx tsx examples/urql-ws.ts
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { authHeaders, deadline, fail, getToken, INGEST, LATEST, LIVE_FEED, newEvent, NODE, startAfter, url, wsUrl, type FeedEvent, type LatestData, type NodeData } from './env.js';

const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: async () => ({ authorization: `Bearer ${await getToken()}` }) });
const client = new Client({
  url,
  fetchOptions: { headers: authHeaders },
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query ?? '' };
        return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
      },
    }),
  ],
});

deadline();
try {
  const event = newEvent('2500');
  const latest = await client.query<LatestData>(LATEST, {}, { requestPolicy: 'network-only' }).toPromise();
  if (latest.error) throw latest.error;
  const received = new Promise<FeedEvent>((resolve, reject) => {
    const { unsubscribe } = client.subscription<{ paymentEvents: FeedEvent }>(LIVE_FEED, { after: startAfter(latest.data) }).subscribe((result) => {
      if (result.error) return reject(result.error);
      if (result.data?.paymentEvents.eventId !== event.eventId) return;
      setImmediate(() => unsubscribe());
      resolve(result.data.paymentEvents);
    });
  });
  const ingested = await client.mutation<{ ingestPaymentEvent: { status: string } }>(INGEST, { event }).toPromise();
  if (ingested.data?.ingestPaymentEvent.status !== 'INGESTED') throw ingested.error ?? new Error(JSON.stringify(ingested.data));
  const live = await received;
  const read = await client.query<NodeData>(NODE, { id: live.id }).toPromise();
  if (read.data?.node?.eventId !== event.eventId) throw read.error ?? new Error(`node(id) answered ${JSON.stringify(read.data)}`);
  console.log(`urql-ws ok: ${live.eventId} ${live.amount.amount} ${live.amount.currency} (query, subscription, mutation, node)`);
  await ws.dispose();
  process.exit(0);
} catch (error) {
  fail(error);
}
