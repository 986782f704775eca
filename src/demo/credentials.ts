/**
 * The demo merchant's start-up API key, kept across restarts: a back end configured with it keeps
 * working after `npm start` runs again. The key is stored sealed (the only API key whose secret is
 * stored at all: it is printed at every start anyway) and shown again while it is active; a new
 * one is made, and every older start-up key revoked, on the first start, with `rotate`, or when
 * the stored one cannot be used (revoked, expired, sealed with another WEBHOOK_SECRETS_KEY).
 */
import type { ApiKeyService } from '../auth/api-keys.js';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secret-box.js';

export const DEMO_KEY_NAME = 'demo start-up key';

export interface DemoApiKey {
  secret: string;
  /** True when made at this start (first start, rotation, or the stored one was unusable). */
  created: boolean;
}

export async function demoApiKey(deps: { prisma: PrismaClient; apiKeys: ApiKeyService; box: SecretBox; logger: Logger }, merchantId: string, options: { rotate: boolean }): Promise<DemoApiKey> {
  const { prisma, apiKeys, box, logger } = deps;
  const stored = await prisma.demoCredential.findUnique({ where: { merchantId } });
  if (stored && !options.rotate && (await apiKeys.isActive(stored.apiKeyId))) {
    try {
      return { secret: box.open(stored.apiKeySealed), created: false };
    } catch {
      logger.warn({ merchantId }, 'the stored demo API key was sealed with another WEBHOOK_SECRETS_KEY; making a new one');
    }
  }
  const { apiKey, secret } = await apiKeys.create({ merchantId, name: DEMO_KEY_NAME, actor: 'system:demo' });
  const row = { apiKeyId: apiKey.id, apiKeySealed: box.seal(secret) };
  await prisma.demoCredential.upsert({ where: { merchantId }, create: { merchantId, ...row }, update: row });
  // One live start-up key at a time: the one replaced (and any from before keys were kept) is revoked.
  for (const key of await apiKeys.list(merchantId)) {
    if (key.name === DEMO_KEY_NAME && key.id !== apiKey.id && !key.revokedAt) await apiKeys.revoke({ id: key.id, merchantId, actor: 'system:demo' });
  }
  return { secret, created: true };
}
