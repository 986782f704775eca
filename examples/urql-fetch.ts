/**
 * urql 6 with `fetchSubscriptions: true`: no WebSocket at all, subscriptions over fetch (urql
 * asks for `text/event-stream, multipart/mixed`; the server answers with SSE).
 * Run: npx tsx examples/urql-fetch.ts
 */
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { authHeaders, deadline, fail, INGEST, LATEST, LIVE_FEED, newEvent, NODE, startAfter, url, type FeedEvent, type LatestData, type NodeData } from './env.js';

const client = new Client({ url, fetchSubscriptions: true, fetchOptions: { headers: authHeaders }, exchanges: [cacheExchange, fetchExchange] });

deadline();
try {
  const event = newEvent('777');
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
  console.log(`urql-fetch ok: ${live.eventId} ${live.amount.amount} ${live.amount.currency} (query, fetch subscription, mutation, node)`);
  process.exit(0);
} catch (error) {
  fail(error);
}
