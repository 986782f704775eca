/**
 * graphql-ws 6 directly, with the resume pattern (docs/clients.md, "Resuming"):
 * - `connectionParams` is a function, so every reconnect sends a fresh token;
 * - the subscription's `variables` object is kept and its `after` updated from every event's
 *   cursor. graphql-ws re-sends the same payload object when it reconnects, so the server replays
 *   exactly what was missed: nothing is lost and nothing arrives twice;
 * - SLOW_CONSUMER ends the subscription with `extensions.after`: subscribe again from there.
 * Queries and mutations run over graphql-ws too. The example drops its socket on purpose
 * (`terminate()`); while it is away a second client (a back end, say) ingests an event, and the
 * example checks that event arrives exactly once after the automatic reconnect.  Run: npx tsx examples/graphql-ws-resume.ts
 */
import { createClient, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { deadline, fail, getToken, INGEST, LATEST, LIVE_FEED, newEvent, NODE, startAfter, until, wsUrl, type FeedEvent, type LatestData, type NodeData } from './env.js';

let connects = 0;
const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: async () => ({ authorization: `Bearer ${await getToken()}` }),
  retryAttempts: Infinity,
  // Close codes graphql-ws gives up on are fatal; 4403 (refresh the token: connectionParams
  // does), 4430 (too many sockets: wait), 1001 (server going away: reconnect, likely to another
  // instance) are retried with its randomised exponential backoff.
  shouldRetry: () => true,
  on: { connected: () => void connects++ },
});

/** Another client, for the event ingested while the first one is away. */
const producer = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: async () => ({ authorization: `Bearer ${await getToken()}` }) });

/** A query or mutation over graphql-ws: its first (only) result. */
async function once<T>(query: string, variables: Record<string, unknown> = {}, over = client): Promise<T> {
  for await (const result of over.iterate<T>({ query, variables })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  }
  throw new Error('no result');
}

deadline(45_000);
try {
  const latest = await once<LatestData>(LATEST);
  // The one variables object graphql-ws sends on every (re)subscribe.
  const variables: { after: string } = { after: startAfter(latest) };
  const seen: FeedEvent[] = [];
  let ended: unknown;
  const subscribeFeed = () =>
    client.subscribe<{ paymentEvents: FeedEvent }>(
      { query: LIVE_FEED, variables },
      {
        next: (result) => {
          const slow = result.errors?.find((e) => e.extensions?.code === 'SLOW_CONSUMER');
          if (slow) {
            // The server ended this subscription: resume from the cursor it names.
            if (typeof slow.extensions?.after === 'string') variables.after = slow.extensions.after;
            return void setImmediate(subscribeFeed);
          }
          if (result.errors) return void (ended = result.errors);
          const event = result.data!.paymentEvents;
          seen.push(event);
          variables.after = event.cursor;
        },
        error: (error) => void (ended = error),
        complete: () => {},
      },
    );
  subscribeFeed();

  const first = newEvent('100');
  await once(INGEST, { event: first });
  await until(() => seen.some((e) => e.eventId === first.eventId) || ended !== undefined);

  // Drop the socket; ingest while it is away; graphql-ws reconnects and re-sends `after`.
  client.terminate();
  const missed = newEvent('200');
  await once(INGEST, { event: missed }, producer);
  await until(() => seen.some((e) => e.eventId === missed.eventId) || ended !== undefined, 30_000);
  if (ended !== undefined) throw new Error(`the subscription ended: ${JSON.stringify(ended)}`);

  const times = (eventId: string) => seen.filter((e) => e.eventId === eventId).length;
  if (times(first.eventId) !== 1 || times(missed.eventId) !== 1) throw new Error(`expected each event once, saw ${JSON.stringify(seen.map((e) => e.eventId))}`);
  if (connects < 2) throw new Error('the client never reconnected');
  const read = await once<NodeData>(NODE, { id: seen.at(-1)!.id });
  if (read.node?.eventId !== missed.eventId) throw new Error(`node(id) answered ${JSON.stringify(read)}`);
  console.log(`graphql-ws-resume ok: ${seen.length} events after ${connects} connects, the one sent while away arrived once`);
  await Promise.all([client.dispose(), producer.dispose()]);
  process.exit(0);
} catch (error) {
  fail(error);
}
