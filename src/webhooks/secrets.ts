/**
 * Per-(merchant, provider) webhook secrets, set by merchant staff and sealed at rest. Which
 * merchant a webhook is for comes from its URL; it is believed only because the request verifies
 * with THAT merchant's secret, so a sender holding merchant A's secret can never write into B.
 */
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { SecretBox } from '../lib/secret-box.js';
import { refuse, WebhookCode } from './refusal.js';
import { generateStandardSecret, standardKey } from './standard.js';

/** Providers with their own HTTP endpoint and verification; any other name is a Standard Webhooks sender. */
export const NATIVE_PROVIDERS = ['paystack', 'flutterwave', 'mpesa', 'campay'] as const;
export type NativeProvider = (typeof NATIVE_PROVIDERS)[number];
export const isNativeProvider = (p: string): p is NativeProvider => (NATIVE_PROVIDERS as readonly string[]).includes(p);
export const PROVIDER_NAME = /^[a-z][a-z0-9_]{1,31}$/;

export interface WebhookSecretInfo {
  merchantId: string;
  provider: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookSecretStore {
  /** Stores (or replaces) a secret. Without `secret`, mpesa and Standard Webhooks senders get a generated one, returned once. */
  set(input: { merchantId: string; provider: string; secret?: string | null; actor: string }): Promise<{ info: WebhookSecretInfo; generatedSecret: string | null }>;
  /** The plain secret, or undefined when none is set. */
  get(merchantId: string, provider: string): Promise<string | undefined>;
  list(merchantId: string): Promise<WebhookSecretInfo[]>;
  remove(merchantId: string, provider: string): Promise<boolean>;
}

export function createWebhookSecretStore(deps: { prisma: PrismaClient; box: SecretBox }): WebhookSecretStore {
  const { prisma, box } = deps;
  return {
    async set({ merchantId, provider, secret, actor }) {
      if (!PROVIDER_NAME.test(provider)) throw refuse(WebhookCode.UnknownProvider, 'provider must be a lower-case name such as paystack (2-32 of a-z0-9_)', {}, 400);
      const generatedSecret = secret ? null : generate(provider);
      const value = secret ?? generatedSecret!;
      validate(provider, value);
      const now = new Date();
      const sealed = box.seal(value);
      const row = await prisma.webhookSecret.upsert({
        where: { merchantId_provider: { merchantId, provider } },
        create: { merchantId, provider, secretSealed: sealed, updatedBy: actor, createdAt: now, updatedAt: now },
        update: { secretSealed: sealed, updatedBy: actor, updatedAt: now },
      });
      return { info: toInfo(row), generatedSecret };
    },
    async get(merchantId, provider) {
      const row = await prisma.webhookSecret.findUnique({ where: { merchantId_provider: { merchantId, provider } } });
      // A secret sealed under another WEBHOOK_SECRETS_KEY throws here: an operator error, not a client's.
      return row ? box.open(row.secretSealed) : undefined;
    },
    async list(merchantId) {
      const rows = await prisma.webhookSecret.findMany({ where: { merchantId }, orderBy: { provider: 'asc' } });
      return rows.map(toInfo);
    },
    async remove(merchantId, provider) {
      const { count } = await prisma.webhookSecret.deleteMany({ where: { merchantId, provider } });
      return count > 0;
    },
  };
}

function generate(provider: string): string {
  if (provider === 'mpesa') return randomBytes(32).toString('base64url');
  if (isNativeProvider(provider)) {
    throw refuse(WebhookCode.InvalidSecret, `${provider} issues its own secret: copy it from the ${provider} dashboard`);
  }
  return generateStandardSecret();
}

/** Refuses secrets that cannot work (or are too weak to be worth verifying against). */
function validate(provider: string, secret: string): void {
  const bad = (why: string) => refuse(WebhookCode.InvalidSecret, why);
  if (secret.length > 512) throw bad('secret must be at most 512 characters');
  if (provider === 'mpesa') {
    // The token travels in the callback URL path.
    if (!/^[A-Za-z0-9_-]{32,}$/.test(secret)) throw bad('an mpesa token must be at least 32 URL-safe characters (A-Z a-z 0-9 _ -)');
    return;
  }
  if (isNativeProvider(provider)) {
    if (secret.trim() !== secret || secret.length < 16) throw bad(`a ${provider} secret must be at least 16 characters without surrounding spaces`);
    return;
  }
  if (!standardKey(secret)) throw bad('a Standard Webhooks secret must be whsec_ followed by 24-64 bytes of base64');
}

function toInfo(row: { merchantId: string; provider: string; updatedBy: string; createdAt: Date; updatedAt: Date }): WebhookSecretInfo {
  return { merchantId: row.merchantId, provider: row.provider, updatedBy: row.updatedBy, createdAt: row.createdAt, updatedAt: row.updatedAt };
}
