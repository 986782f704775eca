/**
 * What every example needs: the server's URL and a merchant token (docs/clients.md):
 *   PAYPULSE_URL=http://localhost:4000/graphql   (default)
 *   PAYPULSE_TOKEN=$(npm run -s token -- --role merchant --merchant m_demo)
 * Each example makes the same round trip: a query for the newest cursor, a subscription to the
 * live feed from that cursor (`after`: the server replays anything stored since, so nothing sent
 * while the subscription starts is missed), a mutation ingesting one event, that event on the
 * subscription, and a `node(id)` query reading it back. It prints one line and exits 0 (1 on any
 * failure).
 */
import { randomUUID } from 'node:crypto';

export const url = process.env.PAYPULSE_URL ?? 'http://localhost:4000/graphql';
export const wsUrl = url.replace(/^http/, 'ws');
const token = process.env.PAYPULSE_TOKEN;
if (!token) {
  console.error('PAYPULSE_TOKEN is not set: PAYPULSE_TOKEN=$(npm run -s token -- --role merchant --merchant m_demo)');
  process.exit(2);
}
/** A real app would refresh its token here; the examples read it from the environment. */
export async function getToken(): Promise<string> {
  return token!;
}
export const authHeaders = { authorization: `Bearer ${token}` };

/** A payment event no one has sent before (eventId is the idempotency key). */
export function newEvent(amountMinor = '150000') {
  return { eventId: `example-${randomUUID()}`, type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor, currency: 'KES' };
}

export const LIVE_FEED = /* GraphQL */ `
  subscription LiveFeed($after: String) {
    paymentEvents(after: $after, filter: { types: [PAYMENT_COMPLETED] }) { id cursor eventId amount { amount currency } }
  }
`;
export const INGEST = /* GraphQL */ `
  mutation Ingest($event: PaymentEventInput!) {
    ingestPaymentEvent(event: $event) { status event { id cursor eventId } }
  }
`;
export const LATEST = /* GraphQL */ `
  query Latest {
    paymentEvents(first: 1) { edges { cursor } }
  }
`;
export const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) { id ... on PaymentEvent { eventId } }
  }
`;

export interface LatestData {
  paymentEvents: { edges: { cursor: string }[] };
}
export interface NodeData {
  node: { id: string; eventId?: string } | null;
}
/** Where to start the feed: after the newest stored event ("0": from the beginning, when there is none). */
export const startAfter = (data: LatestData | undefined) => data?.paymentEvents.edges[0]?.cursor ?? '0';

export interface FeedEvent {
  id: string;
  cursor: string;
  eventId: string;
  amount: { amount: string; currency: string };
}

/** Fails the example after `ms` (a server that never delivers must not hang it). */
export function deadline(ms = 30_000): NodeJS.Timeout {
  return setTimeout(() => fail(new Error(`no result within ${ms} ms`)), ms).unref();
}

export function fail(error: unknown): never {
  console.error('FAILED:', error);
  process.exit(1);
}

/** Resolves once `check` passes, polling every 50 ms (a subscription may still be starting). */
export async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
