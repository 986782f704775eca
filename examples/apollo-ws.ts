/**
 * Apollo Client 4 with GraphQLWsLink for subscriptions and HttpLink for queries and mutations
 * (the usual split), default settings.  Run: npx tsx examples/apollo-ws.ts
 */
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { authHeaders, deadline, fail, getToken, INGEST, LATEST, LIVE_FEED, newEvent, NODE, startAfter, url, wsUrl, type FeedEvent, type LatestData, type NodeData } from './env.js';

const ws = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket, // browsers have WebSocket; Node 20 needs `ws`
  // A function: every (re)connect sends a fresh token.
  connectionParams: async () => ({ authorization: `Bearer ${await getToken()}` }),
});
const client = new ApolloClient({
  link: split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: url, headers: authHeaders }),
  ),
  cache: new InMemoryCache(),
});

deadline();
try {
  const event = newEvent();
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
  console.log(`apollo-ws ok: ${live.eventId} ${live.amount.amount} ${live.amount.currency} (query, subscription, mutation, node)`);
  await ws.dispose();
  process.exit(0);
} catch (error) {
  fail(error);
}
