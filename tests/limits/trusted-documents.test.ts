/** TRUSTED_DOCUMENTS: only manifest operations run, on HTTP (by key or exact text) and graphql-ws; anything else is PERSISTED_QUERY_ONLY. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedDocuments } from '../../src/server/plugins/trusted-documents.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { IngestOne, LiveEvents, Me } from '../support/operations.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const listed = [Me, LiveEvents, IngestOne].map((d) => print(d));
const manifest = Object.fromEntries(listed.map((text) => [sha256(text), text]));
const ME_ID = sha256(print(Me));
const INGEST_ID = sha256(print(IngestOne));

function writeManifest(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'paypulse-trusted-')), 'persisted-documents.json');
  writeFileSync(path, content);
  return path;
}

describe('trusted documents', () => {
  let t: TestApp;
  let m: TestMerchant;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { TRUSTED_DOCUMENTS: writeManifest(JSON.stringify(manifest)), RATE_LIMIT_PER_MINUTE: '0' } });
    m = await newMerchant(t);
  });
  afterAll(() => t?.stop());

  it('runs a manifest operation named by documentId, by persistedQuery hash (POST and GET), or sent as its exact text', async () => {
    const byId = await t.post({ documentId: ME_ID }, { token: m.token });
    expect(byId.json).toEqual({ data: { me: expect.objectContaining({ subject: `user-${m.id}`, merchantId: m.id }) } });
    const byHash = await t.post({ extensions: { persistedQuery: { version: 1, sha256Hash: ME_ID } } }, { token: m.token });
    expect(byHash.json.data.me.merchantId).toBe(m.id);
    const get = await fetch(`${t.url}?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: ME_ID } }))}`, { headers: { authorization: `Bearer ${m.token}` } });
    expect((await get.json()).data.me.merchantId).toBe(m.id);
    const byText = await t.post({ query: print(Me) }, { token: m.token });
    expect(byText.json.data.me.merchantId).toBe(m.id);
    const ingest = await t.post({ documentId: INGEST_ID, variables: { event: eventInput() } }, { token: m.token });
    expect(ingest.json.data.ingestPaymentEvent.status).toBe('INGESTED');
  });

  it('refuses any other document with 400 PERSISTED_QUERY_ONLY, runs nothing, and counts it', async () => {
    const before = await sample(t, 'paypulse_refusals_total{reason="PERSISTED_QUERY_ONLY"}');
    const stored = await t.db.prisma.paymentEvent.count();
    // The listed ingest mutation with one character changed is another document.
    const altered = print(IngestOne).replace('status', 'status ');
    for (const query of ['{ __typename }', '{ __schema { types { name } } }', altered, `${print(Me)} `]) {
      const res = await t.post({ query, variables: { event: eventInput() } }, { token: m.token });
      expect(res.status, query).toBe(400);
      expect(res.json.errors.map((e: any) => e.extensions.code)).toEqual(['PERSISTED_QUERY_ONLY']);
    }
    expect(await t.db.prisma.paymentEvent.count()).toBe(stored);
    expect(await sample(t, 'paypulse_refusals_total{reason="PERSISTED_QUERY_ONLY"}')).toBe(before + 4);
  });

  it('refuses an unknown key with PERSISTED_QUERY_NOT_FOUND, and a listed text cannot be swapped in with another key', async () => {
    const res = await t.post({ documentId: sha256('{ __typename }') }, { token: m.token });
    expect(res.status).toBe(400);
    expect(res.json.errors.map((e: any) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const mixed = await t.post({ documentId: ME_ID, query: '{ __typename }' }, { token: m.token });
    expect(mixed.json.errors.map((e: any) => e.extensions.code)).toEqual(['PERSISTED_QUERY_ONLY']);
  });

  it('over graphql-ws: a listed subscription streams, any other document is refused and the socket stays open', async () => {
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const sub = collect(client, LiveEvents, {});
    await waitUntil(() => t.pubsub.activeSubscriptions() === 1, 10_000, () => 'subscribed');
    const input = eventInput();
    await t.post({ documentId: INGEST_ID, variables: { event: input } }, { token: m.token });
    const [first] = await sub.waitFor(1);
    expect(first?.data?.paymentEvents.eventId).toBe(input.eventId);

    const refused = await new Promise<unknown>((resolve) =>
      client.subscribe({ query: 'subscription { paymentEvents { eventId } }' }, { next: resolve, error: resolve, complete: () => {} }),
    );
    expect((refused as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_ONLY']);
    const me = await new Promise<any>((resolve, reject) => client.subscribe({ query: print(Me) }, { next: resolve, error: reject, complete: () => {} }));
    expect(me.data.me.merchantId).toBe(m.id);
    sub.stop();
  });

  // createYogaServer loads the manifest while createApp runs, so these errors stop the start.
  it('a missing or malformed manifest is an error at load, naming the problem', () => {
    expect(() => loadTrustedDocuments('/nonexistent/persisted-documents.json')).toThrow(/ENOENT/);
    expect(() => loadTrustedDocuments(writeManifest('["{ me { subject } }"]'))).toThrow(/JSON object/);
    expect(() => loadTrustedDocuments(writeManifest('{"a":"{ me { "}'))).toThrow(/Syntax Error/);
    expect(loadTrustedDocuments(writeManifest(JSON.stringify(manifest))).byId.get(ME_ID)).toBe(print(Me));
  });
});
