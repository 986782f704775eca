/** Small helpers shared by the payment feed and ingest tests (not a test file itself). */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Client } from 'graphql-ws';
import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';
import { cohortsSubscribed, liveSubscriptions } from '../support/metrics.js';
import { collect, waitUntil, type Collector } from '../support/subscriptions.js';

export { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';

/** Generous: a 2-core machine shared with other test runs. */
export const WAIT_MS = 60_000;
/** The short "nothing else arrived" check after the expected results are in. */
export const QUIET_MS = 300;

export function rowCount(t: TestApp, merchantId: string): Promise<number> {
  return t.db.prisma.paymentEvent.count({ where: { merchantId } });
}

/** The `extensions.code` of every GraphQL error in a response body. */
export function errorCodes(body: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> | undefined }> | undefined } | undefined): unknown[] {
  return (body?.errors ?? []).map((e) => e.extensions?.code);
}

/** Tracks the graphql-ws clients a test opens, so they can all be closed after it. */
export class Sockets {
  private clients: Client[] = [];
  constructor(private readonly t: () => TestApp) {}

  open(token: string): Client {
    const client = this.t().wsClient({ authorization: `Bearer ${token}` });
    this.clients.push(client);
    return client;
  }

  /** Subscribes on `client` and resolves once this instance streams `expectedActive` subscriptions (which share pubsub listeners by cohort). */
  async live<R, V>(client: Client, doc: TypedDocumentNode<R, V>, variables: V, expectedActive: number): Promise<Collector<R>> {
    const sub = collect(client, doc, variables);
    let have = 0;
    await waitUntil(async () => (have = await liveSubscriptions(this.t())) >= expectedActive && (await cohortsSubscribed(this.t())), WAIT_MS, () => `${expectedActive} live subscriptions, have ${have}`);
    return sub;
  }

  /** Disposes every client and waits until the server released their pubsub subscriptions. */
  async closeAll(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(clients.map((c) => c.dispose()));
    const pubsub = this.t().pubsub;
    await waitUntil(() => pubsub.activeSubscriptions() === 0, WAIT_MS, () => `subscriptions released, have ${pubsub.activeSubscriptions()}`);
  }
}

/** Waits for `count` results, then for a short quiet period, and checks nothing more arrived. */
export async function receiveExactly<R>(sub: Collector<R>, count: number): Promise<R[]> {
  await sub.waitFor(count, WAIT_MS);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  expect(sub.results.filter((r) => r.errors), 'subscription results with errors').toEqual([]);
  expect(sub.results).toHaveLength(count);
  return sub.data();
}
