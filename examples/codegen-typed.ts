/**
 * Typed documents from GraphQL Code Generator's client preset (`npm run codegen` writes
 * examples/generated/ from schema.graphql): graphql-request 7 runs the typed query and mutation,
 * graphql-ws the typed subscription; results and variables are checked by TypeScript.
 * Run: npx tsx examples/codegen-typed.ts
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { GraphQLClient } from 'graphql-request';
import { createClient } from 'graphql-ws';
import { print } from 'graphql';
import WebSocket from 'ws';
import { authHeaders, deadline, fail, getToken, newEvent, startAfter, url, wsUrl } from './env.js';
import { graphql } from './generated/index.js';

const Latest = graphql(`
  query TypedLatest {
    paymentEvents(first: 1) { edges { cursor } }
  }
`);
const Feed = graphql(`
  subscription TypedFeed($after: String) {
    paymentEvents(after: $after, filter: { types: [PAYMENT_COMPLETED] }) { id cursor eventId amount { amountMinor amount currency } }
  }
`);
const Ingest = graphql(`
  mutation TypedIngest($event: PaymentEventInput!) {
    ingestPaymentEvent(event: $event) { status event { id eventId } }
  }
`);
const Node = graphql(`
  query TypedNode($id: ID!) {
    node(id: $id) { id ... on PaymentEvent { eventId amount { amountMinor } } }
  }
`);

const http = new GraphQLClient(url, { headers: authHeaders });
const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: async () => ({ authorization: `Bearer ${await getToken()}` }) });

deadline();
try {
  const event = { ...newEvent('31400'), type: 'PAYMENT_COMPLETED' as const, paymentMethod: 'MOBILE_MONEY' as const };
  const latest = await http.request(Latest);
  const received = new Promise<ResultOf<typeof Feed>['paymentEvents']>((resolve, reject) => {
    const stop = ws.subscribe<ResultOf<typeof Feed>>(
      { query: print(Feed), variables: { after: startAfter(latest) } },
      {
        next: (result) => {
          if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
          const data = result.data;
          if (data?.paymentEvents.eventId !== event.eventId) return;
          stop();
          resolve(data.paymentEvents);
        },
        error: reject,
        complete: () => {},
      },
    );
  });
  const ingested = await http.request(Ingest, { event });
  if (ingested.ingestPaymentEvent.status !== 'INGESTED') throw new Error(JSON.stringify(ingested));
  const live = await received;
  const read = await http.request(Node, { id: live.id });
  const node = read.node;
  if (!node || !('eventId' in node) || node.eventId !== event.eventId || node.amount.amountMinor !== '31400') throw new Error(`node(id) answered ${JSON.stringify(read)}`);
  console.log(`codegen-typed ok: ${live.eventId} ${live.amount.amountMinor} minor units (typed query, subscription, mutation, node)`);
  await ws.dispose();
  process.exit(0);
} catch (error) {
  fail(error);
}
