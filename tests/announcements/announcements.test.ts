/** broadcastAnnouncement → announcements: each subscriber gets exactly what is addressed to it, on every instance. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/principal.js';
import { MODES, startTestApp, useTwoInstances, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { collect, type Collector } from '../support/subscriptions.js';
import { NEEDS, newMerchant } from '../support/tenants.js';
import { Announcements, Broadcast } from './operations.js';
import type { AnnouncementsSubscription } from '../generated/graphql.js';

const QUIET_MS = 300;

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `announcements (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());

    it('delivers to everyone, to one role, or to one merchant\'s people — and to nobody else', async () => {
      const m1 = await newMerchant(t);
      const m2 = await newMerchant(t);
      const people: Record<string, { role: Role; merchantId?: string }> = {
        admin: { role: 'admin' },
        merchant1: { role: 'merchant', merchantId: m1.id },
        vendor1: { role: 'vendor', merchantId: m1.id },
        vendor2: { role: 'vendor', merchantId: m2.id },
        customer1: { role: 'customer', merchantId: m1.id },
        customer: { role: 'customer' },
      };
      const subs: Record<string, Collector<AnnouncementsSubscription>> = {};
      for (const [sub, claims] of Object.entries(people)) {
        subs[sub] = collect(t.wsClient({ authorization: `Bearer ${await t.token({ sub, ...claims })}` }), Announcements);
      }
      await new Promise((r) => setTimeout(r, QUIET_MS));
      const admin = await t.adminToken();
      const send = async (vars: Parameters<typeof t.gql<unknown, Record<string, unknown>>>[1]) => {
        const res = await t.gql(Broadcast, { severity: 'WARNING', title: 'Maintenance', body: '<b>02:00 UTC</b> & "quotes"', ...(vars as object) } as never, { token: admin });
        expect(res.errors).toBeUndefined();
        return res.data!.broadcastAnnouncement;
      };
      const everyone = await send({ audience: 'EVERYONE' });
      expect(everyone).toMatchObject({ audience: 'EVERYONE', role: null, merchantId: null, severity: 'WARNING', body: '<b>02:00 UTC</b> & "quotes"' });
      const vendors = await send({ audience: 'ROLE', role: 'VENDOR' });
      const merchant1 = await send({ audience: 'MERCHANT', merchantId: m1.id });

      const expected: Record<string, string[]> = {
        admin: [everyone.id],
        merchant1: [everyone.id, merchant1.id],
        vendor1: [everyone.id, vendors.id, merchant1.id],
        vendor2: [everyone.id, vendors.id],
        customer1: [everyone.id, merchant1.id],
        customer: [everyone.id],
      };
      for (const [who, ids] of Object.entries(expected)) await subs[who]!.waitFor(ids.length);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      for (const [who, ids] of Object.entries(expected)) expect(subs[who]!.data().map((d) => d.announcements.id), who).toEqual(ids);
    });

    it('is for admins only, validates its audience, and stores nothing when refused', async () => {
      const m = await newMerchant(t);
      const base = { title: 'Hi', body: 'there' };
      const vendor = await t.token({ sub: 'v', role: 'vendor', merchantId: m.id });
      const customer = await t.token({ sub: 'c', role: 'customer' });
      for (const [token, code] of [[m.token, 'FORBIDDEN'], [vendor, 'FORBIDDEN'], [customer, 'FORBIDDEN'], [undefined, 'UNAUTHENTICATED']] as const) {
        expect((await t.gql(Broadcast, { ...base, audience: 'EVERYONE' }, { token })).errors?.[0]?.extensions?.code).toBe(code);
      }
      const admin = await t.adminToken();
      const bad: [Record<string, unknown>, string][] = [
        [{ audience: 'ROLE' }, 'BAD_USER_INPUT'],
        [{ audience: 'MERCHANT' }, 'BAD_USER_INPUT'],
        [{ audience: 'EVERYONE', role: 'ADMIN' }, 'BAD_USER_INPUT'],
        [{ audience: 'MERCHANT', merchantId: 'm_missing' }, 'MERCHANT_NOT_FOUND'],
        [{ audience: 'EVERYONE', title: ' ' }, 'BAD_USER_INPUT'],
        [{ audience: 'EVERYONE', body: 'x'.repeat(4001) }, 'BAD_USER_INPUT'],
      ];
      const before = await t.db.prisma.announcement.count();
      for (const [vars, code] of bad) {
        expect((await t.gql(Broadcast, { ...base, ...vars } as never, { token: admin })).errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe(code);
      }
      expect(await t.db.prisma.announcement.count()).toBe(before);
    });
  });
}

await describeWith(['postgres', 'redis'], 'announcements across two instances', () => {
  const two = useTwoInstances();
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => void ({ a, b } = two));

  it('an announcement made on A reaches subscribers on B', async () => {
    const onB = collect(b.wsClient({ authorization: `Bearer ${await b.token({ sub: 'u1', role: 'customer' })}` }), Announcements);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const res = await a.gql(Broadcast, { audience: 'EVERYONE', title: 'Across', body: 'instances' }, { token: await a.adminToken() });
    await onB.waitFor(1);
    expect(onB.data()[0]!.announcements).toMatchObject({ id: res.data!.broadcastAnnouncement.id, title: 'Across', severity: 'INFO' });
  });
});
