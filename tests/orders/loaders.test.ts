/**
 * Child lists are read per request, not per parent (server/loaders.ts): `orders { history }` and
 * `notifications { deliveries }` issue one read of the children for the whole page. Each service
 * read below is one SQL query.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';
import { createOrder, moveThrough } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = (source: string) => parse(source) as unknown as TypedDocumentNode<any, Record<string, unknown>>;
const OrdersWithHistory = doc(`query ($first: Int) { orders(first: $first) { edges { node { orderId history { to version } } } } }`);
const NotificationsWithDeliveries = doc(`query ($first: Int) { notifications(first: $first) { edges { node { notificationId deliveries { channel status } } } } }`);

describe('per-request loaders', () => {
  let t: TestApp;
  let m: TestMerchant;
  const customer = 'customer-loaders-1';

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
    m = await newMerchant(t);
  });
  afterAll(() => t?.stop());

  it('lists 20 orders with their history in one history query, not 20', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await createOrder(t, m.token, customer));
    await moveThrough(t, m.token, ids[0]!, ['PAID', 'PREPARING']);
    const orders = t.domain.orders;
    const one = vi.spyOn(orders, 'history');
    const many = vi.spyOn(orders, 'histories');
    try {
      const res = await t.gql(OrdersWithHistory, { first: 20 }, { token: m.token });
      expect(res.errors).toBeUndefined();
      const nodes = res.data.orders.edges.map((e: { node: { orderId: string; history: { to: string; version: string }[] } }) => e.node);
      expect(nodes).toHaveLength(20);
      expect(one).not.toHaveBeenCalled();
      expect(many).toHaveBeenCalledTimes(1);
      expect(many.mock.calls[0]![0]).toHaveLength(20);
      // Each order still gets its own history, oldest first.
      const byId = new Map(nodes.map((n: { orderId: string; history: unknown }) => [n.orderId, n.history]));
      expect(byId.get(ids[0]!)).toEqual([{ to: 'CREATED', version: '1' }, { to: 'PAID', version: '2' }, { to: 'PREPARING', version: '3' }]);
      for (const id of ids.slice(1)) expect(byId.get(id)).toEqual([{ to: 'CREATED', version: '1' }]);
    } finally {
      one.mockRestore();
      many.mockRestore();
    }
  });

  it('lists notifications with their deliveries in one deliveries query', async () => {
    for (let i = 0; i < 5; i++) await moveThrough(t, m.token, await createOrder(t, m.token, customer), ['CANCELLED']);
    const token = await t.token({ sub: customer, role: 'customer' });
    const deliveries = vi.spyOn(t.domain.notifications, 'deliveries');
    try {
      const res = await t.gql(NotificationsWithDeliveries, { first: 20 }, { token });
      expect(res.errors).toBeUndefined();
      expect(res.data.notifications.edges.length).toBeGreaterThanOrEqual(5);
      expect(deliveries).toHaveBeenCalledTimes(1);
    } finally {
      deliveries.mockRestore();
    }
  });
});
