/** Orders on two instances sharing PostgreSQL and Redis: changes made on A stream to subscribers on B, versions strictly increasing, a skipped version filled by a re-read. */
import { beforeAll, expect, it } from 'vitest';
import { useTwoInstances, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { collect } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';
import { createOrder, moveThrough } from './helpers.js';
import { OrderStatusSub, OrderUpdatesSub } from './operations.js';

await describeWith(['postgres', 'redis'], 'orders across two instances', () => {
  const two = useTwoInstances();
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => void ({ a, b } = two));

  it('the customer on B follows every change made by a vendor on A; the vendor feed on B sees them too', async () => {
    const m = await newMerchant(a);
    const vendorA = await a.token({ sub: 'vendor-a', role: 'vendor', merchantId: m.id });
    const vendorB = await b.token({ sub: 'vendor-b', role: 'vendor', merchantId: m.id });
    const updates = collect(b.wsClient({ authorization: `Bearer ${vendorB}` }), OrderUpdatesSub, {});
    await new Promise((r) => setTimeout(r, 300));
    const orderId = await createOrder(a, vendorA, 'cust-42');
    const customer = await b.token({ sub: 'cust-42', role: 'customer' });
    const status = collect(b.wsClient({ authorization: `Bearer ${customer}` }), OrderStatusSub, { orderId });
    await status.waitFor(1);
    await moveThrough(a, vendorA, orderId, ['PAID', 'PREPARING', 'READY', 'COMPLETED']);
    await status.waitFor(5);
    expect(status.data().map((d) => [d.orderStatus.version, d.orderStatus.status])).toEqual([
      ['1', 'CREATED'],
      ['2', 'PAID'],
      ['3', 'PREPARING'],
      ['4', 'READY'],
      ['5', 'COMPLETED'],
    ]);
    await updates.waitFor(5);
    expect(updates.data().map((d) => d.orderUpdates.status)).toEqual(['CREATED', 'PAID', 'PREPARING', 'READY', 'COMPLETED']);
  });

  it('a change whose publish was lost is filled in: the next message skips a version and the stream re-reads the order', async () => {
    const m = await newMerchant(a);
    const vendor = await a.token({ sub: 'vendor-a', role: 'vendor', merchantId: m.id });
    const orderId = await createOrder(a, vendor, 'cust-7');
    const status = collect(b.wsClient({ authorization: `Bearer ${await b.adminToken()}` }), OrderStatusSub, { orderId });
    await status.waitFor(1);
    // Version 2 is committed without a publish (as if the instance died between commit and publish).
    await a.db.prisma.order.update({ where: { id: orderId }, data: { status: 'PAID', version: 2n } });
    await moveThrough(a, vendor, orderId, ['PREPARING']);
    await status.waitFor(2);
    expect(status.data().map((d) => [d.orderStatus.version, d.orderStatus.status])).toEqual([
      ['1', 'CREATED'],
      ['3', 'PREPARING'],
    ]);
  });
});
