/**
 * API keys (SPEC §8), embedded mode: `ppk_<prefix>_<secret>` shown once, only its SHA-256 stored,
 * found by prefix, refused when revoked, expired or tampered with, last use recorded. A key is a
 * server-to-server credential: it ingests and reads its merchant's data but never manages keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { ApiKeys, CreateApiKey, IngestOne, Me, RevokeApiKey } from '../support/operations.js';
import { waitUntil } from '../support/subscriptions.js';
import { errorCodes, eventCount, keyCount, newMerchant, sha256, sleep, WAIT_MS, type TestMerchant } from './helpers.js';

const KEY_SHAPE = /^(ppk_[a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

describe('API keys (embedded)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(() => t?.stop());

  async function createKey(m: TestMerchant, variables: { name?: string; expiresAt?: string } = {}) {
    const res = await t.gql(CreateApiKey, { name: variables.name ?? 'backend', expiresAt: variables.expiresAt ?? null }, { token: m.token });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.createApiKey;
  }

  /** Ingests one event with `apiKey` and expects a 401 UNAUTHENTICATED that stores nothing. */
  async function expectKeyRefused(apiKey: string, merchantId: string) {
    const before = await eventCount(t, merchantId);
    const res = await t.gql(IngestOne, { event: eventInput() }, { apiKey });
    expect(errorCodes(res), JSON.stringify(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.data ?? null).toBeNull();
    expect(res.status).toBe(401);
    expect(await eventCount(t, merchantId)).toBe(before);
  }

  describe('creation and storage', () => {
    it('creates a key for the calling merchant and returns the full secret once', async () => {
      const m = await newMerchant(t);
      const created = await createKey(m, { name: 'checkout backend' });
      const match = KEY_SHAPE.exec(created.secret);
      expect(match, created.secret).not.toBeNull();
      expect(created.apiKey).toMatchObject({ prefix: match![1], merchantId: m.id, revokedAt: null, lastUsedAt: null, expiresAt: null });
      expect(await keyCount(t, m.id)).toBe(1);
    });

    it('stores only the SHA-256 of the key, never the secret', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      const row = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
      expect(row.secretHash).toBe(sha256(secret));
      const randomPart = KEY_SHAPE.exec(secret)![2]!;
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(randomPart);
      expect(stored).not.toContain(secret);
    });

    it('never shows the secret again: the key list has no secret field and leaks none', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m, { name: 'listed' });
      const list = await t.gql(ApiKeys, {}, { token: m.token });
      expect(list.errors).toBeUndefined();
      expect(list.data?.apiKeys).toEqual([{ id: apiKey.id, name: 'listed', prefix: apiKey.prefix, revokedAt: null, lastUsedAt: null }]);
      expect(JSON.stringify(list)).not.toContain(KEY_SHAPE.exec(secret)![2]);

      const asking = await t.post({ query: 'query { apiKeys { id secret } }' }, { token: m.token });
      expect(errorCodes(asking.json)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(asking.text).not.toContain(KEY_SHAPE.exec(secret)![2]);
    });

    it('refuses an expiry in the past with BAD_USER_INPUT and stores no key', async () => {
      const m = await newMerchant(t);
      const res = await t.gql(CreateApiKey, { name: 'stale', expiresAt: new Date(Date.now() - 60_000).toISOString() }, { token: m.token });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(await keyCount(t, m.id)).toBe(0);
    });

    it('refuses creation without credentials with UNAUTHENTICATED and stores no key', async () => {
      const before = await keyCount(t);
      const res = await t.gql(CreateApiKey, { name: 'anon' });
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.status).toBe(401);
      expect(await keyCount(t)).toBe(before);
    });
  });

  describe('using a key', () => {
    it('ingests with x-api-key for the key’s merchant', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      const me = await t.gql(Me, {}, { apiKey: secret });
      expect(me.data?.me).toMatchObject({ kind: 'API_KEY', subject: apiKey.id, role: 'MERCHANT', merchantId: m.id });

      const input = eventInput();
      const res = await t.gql(IngestOne, { event: input }, { apiKey: secret });
      expect(res.errors).toBeUndefined();
      expect(res.data?.ingestPaymentEvent).toMatchObject({ status: 'INGESTED', event: { eventId: input.eventId, merchantId: m.id } });
      expect(await eventCount(t, m.id)).toBe(1);
    });

    it('records the last use time', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      const before = Date.now();
      await t.gql(Me, {}, { apiKey: secret });
      const prisma = t.db.prisma;
      await waitUntil(async () => (await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt !== null, WAIT_MS, () => 'lastUsedAt set');
      const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
      expect(row.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(row.lastUsedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);

      const list = await t.gql(ApiKeys, {}, { token: m.token });
      expect(list.data?.apiKeys[0]?.lastUsedAt).toBe(row.lastUsedAt!.toISOString());
    });

    it('refuses a revoked key with UNAUTHENTICATED', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      expect((await t.gql(Me, {}, { apiKey: secret })).errors).toBeUndefined();

      const revoked = await t.gql(RevokeApiKey, { id: apiKey.id }, { token: m.token });
      expect(revoked.errors).toBeUndefined();
      expect(revoked.data?.revokeApiKey.revokedAt).toEqual(expect.any(String));
      await expectKeyRefused(secret, m.id);
    });

    it('refuses a key once its expiresAt (set at creation) has passed', async () => {
      const m = await newMerchant(t);
      // Room enough for a loaded machine to use it once before it expires.
      const expiresAt = new Date(Date.now() + 6_000).toISOString();
      const { secret, apiKey } = await createKey(m, { expiresAt });
      expect(apiKey.expiresAt).toBe(expiresAt);
      expect((await t.gql(Me, {}, { apiKey: secret })).errors).toBeUndefined();
      await sleep(Date.parse(expiresAt) - Date.now() + 100);
      await expectKeyRefused(secret, m.id);
    });

    it('refuses a key whose stored expiry is in the past', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      await t.db.prisma.apiKey.update({ where: { id: apiKey.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
      await expectKeyRefused(secret, m.id);
    });

    it('refuses a key with the right prefix and a tampered secret, without recording a use', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      const [, prefix, rest] = KEY_SHAPE.exec(secret)!;
      const flipped = `${rest!.slice(0, -1)}${rest!.endsWith('A') ? 'B' : 'A'}`;
      await expectKeyRefused(`${prefix}_${flipped}`, m.id);
      await expectKeyRefused(`${prefix}_${'x'.repeat(43)}`, m.id);
      await sleep(200);
      const row = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
      expect(row.lastUsedAt).toBeNull();
    });

    it('refuses a well-formed key with an unknown prefix', async () => {
      const m = await newMerchant(t);
      const { secret } = await createKey(m);
      const rest = KEY_SHAPE.exec(secret)![2];
      await expectKeyRefused(`ppk_0000000000_${rest}`, m.id);
    });

    it('refuses a malformed key', async () => {
      const m = await newMerchant(t);
      const { secret } = await createKey(m);
      await expectKeyRefused('hello', m.id);
      await expectKeyRefused(`${secret}x`, m.id);
      await expectKeyRefused(secret.slice(0, -1), m.id);
    });
  });

  describe('who may manage keys', () => {
    it('refuses to let an API key create another key (FORBIDDEN, nothing stored)', async () => {
      const m = await newMerchant(t);
      const { secret } = await createKey(m);
      const res = await t.gql(CreateApiKey, { name: 'minted by a key' }, { apiKey: secret });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
      expect(await keyCount(t, m.id)).toBe(1);
    });

    it('refuses to let an API key revoke a key, even itself (FORBIDDEN, still usable)', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await createKey(m);
      const other = await createKey(m, { name: 'other' });
      for (const id of [apiKey.id, other.apiKey.id]) {
        const res = await t.gql(RevokeApiKey, { id }, { apiKey: secret });
        expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      }
      const rows = await t.db.prisma.apiKey.findMany({ where: { merchantId: m.id } });
      expect(rows.map((r) => r.revokedAt)).toEqual([null, null]);
      expect((await t.gql(Me, {}, { apiKey: other.secret })).errors).toBeUndefined();
    });

    it('refuses to let an API key list keys (FORBIDDEN: keys cannot manage credentials)', async () => {
      const m = await newMerchant(t);
      const { secret } = await createKey(m);
      const res = await t.gql(ApiKeys, {}, { apiKey: secret });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
    });

    it.each(['vendor', 'customer'] as const)("refuses a %s of the merchant the list of the merchant's keys (FORBIDDEN)", async (role) => {
      const m = await newMerchant(t);
      await createKey(m, { name: 'secret backend' });
      const token = await t.token({ sub: `${role}-1`, role, merchantId: m.id });
      const list = await t.gql(ApiKeys, {}, { token });
      expect(errorCodes(list), `${role} listing keys got ${JSON.stringify(list.data)}`).toEqual(['FORBIDDEN']);
      expect(list.data ?? null).toBeNull();
    });

    it.each(['vendor', 'customer'] as const)('refuses a %s of the merchant creating a key (FORBIDDEN, nothing stored)', async (role) => {
      const m = await newMerchant(t);
      const token = await t.token({ sub: `${role}-1`, role, merchantId: m.id });
      const create = await t.gql(CreateApiKey, { name: `by ${role}` }, { token });
      expect(errorCodes(create)).toEqual(['FORBIDDEN']);
      expect(await keyCount(t, m.id)).toBe(0);
    });

    it("does not let merchant A revoke merchant B's key (NOT_FOUND, B's key keeps working)", async () => {
      const a = await newMerchant(t);
      const b = await newMerchant(t);
      const bKey = await createKey(b);
      const res = await t.gql(RevokeApiKey, { id: bKey.apiKey.id }, { token: a.token });
      expect(errorCodes(res)).toEqual(['NOT_FOUND']);
      expect(res.data ?? null).toBeNull();
      const row = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: bKey.apiKey.id } });
      expect(row.revokedAt).toBeNull();
      expect((await t.gql(IngestOne, { event: eventInput() }, { apiKey: bKey.secret })).data?.ingestPaymentEvent.status).toBe('INGESTED');
    });

    it("does not let merchant A create, or list, keys of merchant B (FORBIDDEN)", async () => {
      const a = await newMerchant(t);
      const b = await newMerchant(t);
      await createKey(b, { name: 'b-only' });
      const create = await t.gql(CreateApiKey, { name: 'planted', merchantId: b.id }, { token: a.token });
      expect(errorCodes(create)).toEqual(['FORBIDDEN']);
      expect(await keyCount(t, b.id)).toBe(1);
      expect(await keyCount(t, a.id)).toBe(0);

      const list = await t.post({ query: 'query($m: ID) { apiKeys(merchantId: $m) { id name } }', variables: { m: b.id } }, { token: a.token });
      expect(errorCodes(list.json)).toEqual(['FORBIDDEN']);
      expect(list.text).not.toContain('b-only');

      const own = await t.gql(ApiKeys, {}, { token: a.token });
      expect(own.data?.apiKeys).toEqual([]);
    });

    it('lets an admin create a key for a named merchant and revoke it', async () => {
      const m = await newMerchant(t);
      const admin = await t.adminToken();
      const missing = await t.gql(CreateApiKey, { name: 'no merchant' }, { token: admin });
      expect(errorCodes(missing)).toEqual(['BAD_USER_INPUT']);

      const created = await t.gql(CreateApiKey, { name: 'by admin', merchantId: m.id }, { token: admin });
      expect(created.errors).toBeUndefined();
      expect(created.data?.createApiKey.apiKey.merchantId).toBe(m.id);
      const revoked = await t.gql(RevokeApiKey, { id: created.data!.createApiKey.apiKey.id }, { token: admin });
      expect(revoked.errors).toBeUndefined();
      await expectKeyRefused(created.data!.createApiKey.secret, m.id);
    });
  });
});
