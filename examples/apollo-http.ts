/**
 * Apollo Client 4 with HttpLink only (its default, no WebSocket): subscriptions arrive over
 * Apollo's multipart HTTP protocol, and every operation goes through the persisted-queries link
 * (APQ: the document is sent by hash, and in full only the first time the server sees it).
 * Run: npx tsx examples/apollo-http.ts
 */
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { authHeaders, deadline, fail, INGEST, LATEST, LIVE_FEED, newEvent, NODE, startAfter, url, type FeedEvent, type LatestData, type NodeData } from './env.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const client = new ApolloClient({
  link: new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: url, headers: authHeaders })),
  cache: new InMemoryCache(),
});

deadline();
try {
  const event = newEvent('99');
  const { data: latest } = await client.query<LatestData>({ query: gql(LATEST), fetchPolicy: 'network-only' });
  const received = new Promise<FeedEvent>((resolve, reject) => {
    const sub = client.subscribe<{ paymentEvents: FeedEvent }>({ query: gql(LIVE_FEED), variables: { after: startAfter(latest) } }).subscribe({
      next: ({ data, error }) => {
        if (error) return reject(error);
        if (data?.paymentEvents.eventId !== event.eventId) return;
        sub.unsubscribe();
        resolve(data.paymentEvents);
      },
      error: reject,
    });
  });
  const { data } = await client.mutate<{ ingestPaymentEvent: { status: string } }>({ mutation: gql(INGEST), variables: { event } });
  if (data?.ingestPaymentEvent.status !== 'INGESTED') throw new Error(`ingest answered ${JSON.stringify(data)}`);
  const live = await received;
  const { data: read } = await client.query<NodeData>({ query: gql(NODE), variables: { id: live.id } });
  if (read?.node?.eventId !== event.eventId) throw new Error(`node(id) answered ${JSON.stringify(read)}`);
  console.log(`apollo-http ok: ${live.eventId} ${live.amount.amount} ${live.amount.currency} (multipart subscription, APQ query and mutation, node)`);
  process.exit(0);
} catch (error) {
  fail(error);
}
