/**
 * graphql-sse 2.6, both of its modes: distinct connections (one event stream per operation, the
 * default) and single connection (`singleConnection: true`: one reserved stream, operations
 * POSTed onto it). Queries and mutations run over it too.  Run: npx tsx examples/graphql-sse.ts
 */
import { createClient, type Client } from 'graphql-sse';
import { deadline, fail, getToken, INGEST, LATEST, LIVE_FEED, newEvent, NODE, startAfter, url, type FeedEvent, type LatestData, type NodeData } from './env.js';

/** The first (only) result of a query or mutation. */
async function once<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  for await (const result of client.iterate<T>({ query, variables })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  }
  throw new Error('no result');
}

async function roundTrip(singleConnection: boolean): Promise<FeedEvent> {
  const client = createClient({
    url,
    singleConnection,
    // A function: every request (and every reconnect) sends a fresh token.
    headers: async () => ({ authorization: `Bearer ${await getToken()}` }),
  });
  try {
    const event = newEvent(singleConnection ? '4200' : '4100');
    const latest = await once<LatestData>(client, LATEST);
    const received = (async () => {
      for await (const result of client.iterate<{ paymentEvents: FeedEvent }>({ query: LIVE_FEED, variables: { after: startAfter(latest) } })) {
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        // Leaving the loop completes the subscription (single mode: a DELETE for this operation).
        if (result.data?.paymentEvents.eventId === event.eventId) return result.data.paymentEvents;
      }
      throw new Error('the subscription ended');
    })();
    const ingested = await once<{ ingestPaymentEvent: { status: string } }>(client, INGEST, { event });
    if (ingested.ingestPaymentEvent.status !== 'INGESTED') throw new Error(JSON.stringify(ingested));
    const live = await received;
    const read = await once<NodeData>(client, NODE, { id: live.id });
    if (read.node?.eventId !== event.eventId) throw new Error(`node(id) answered ${JSON.stringify(read)}`);
    return live;
  } finally {
    client.dispose();
  }
}

deadline();
try {
  const distinct = await roundTrip(false);
  const single = await roundTrip(true);
  console.log(`graphql-sse ok: distinct ${distinct.eventId}, single connection ${single.eventId} (query, subscription, mutation, node in both modes)`);
  process.exit(0);
} catch (error) {
  fail(error);
}
