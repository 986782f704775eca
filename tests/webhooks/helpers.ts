/** Shared by the webhook suites: fixtures, raw HTTP posts, secrets through GraphQL, and DB snapshots. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { readResponse, type TestApp } from '../support/app.js';
import type { TestMerchant } from '../support/tenants.js';

export { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';

/** A fixture's exact text (numbers as the provider wrote them). */
export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

export interface HttpAnswer {
  status: number;
  json: any;
}

export async function send(t: TestApp, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const res = await fetch(new URL(path, t.url), {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body,
  });
  const { text, json } = await readResponse(res);
  return { status: res.status, json: json ?? { raw: text } };
}

const SET_SECRET = /* GraphQL */ `
  mutation SetSecret($provider: String!, $secret: String) {
    setProviderWebhookSecret(provider: $provider, secret: $secret) { merchantId provider path generatedSecret updatedBy }
  }
`;

/** Sets (or generates, without `secret`) the merchant's secret for `provider`; returns the secret. */
export async function setSecret(t: TestApp, m: TestMerchant, provider: string, secret?: string): Promise<string> {
  const res = await t.post({ query: SET_SECRET, variables: { provider, secret } }, { token: m.token });
  expect(res.json.errors, JSON.stringify(res.json.errors)).toBeUndefined();
  const out = res.json.data.setProviderWebhookSecret;
  expect(out).toMatchObject({ merchantId: m.id, provider });
  return secret ?? out.generatedSecret;
}

export const PROVIDER_WEBHOOK = /* GraphQL */ `
  mutation Hook($provider: String!, $merchantId: ID!, $webhookId: String!, $webhookTimestamp: String!, $payload: String!, $signature: String!) {
    providerWebhook(provider: $provider, merchantId: $merchantId, webhookId: $webhookId, webhookTimestamp: $webhookTimestamp, payload: $payload, signature: $signature) {
      status eventId event { eventId merchantId provider source amount { amountMinor currency } reference }
    }
  }
`;

export function paystackSignature(secret: string, body: string): string {
  return createHmac('sha512', secret).update(body).digest('hex');
}

export interface Snapshot {
  events: number;
  deliveries: number;
  lastEventSeq: bigint;
}

/** What a refused webhook must leave unchanged for a merchant. */
export async function snapshot(t: TestApp, merchantId: string): Promise<Snapshot> {
  const prisma = t.db.prisma;
  const [events, deliveries, merchant] = await Promise.all([
    prisma.paymentEvent.count({ where: { merchantId } }),
    prisma.webhookDelivery.count({ where: { merchantId } }),
    prisma.merchant.findUniqueOrThrow({ where: { id: merchantId } }),
  ]);
  return { events, deliveries, lastEventSeq: merchant.lastEventSeq };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
