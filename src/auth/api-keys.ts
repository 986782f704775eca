/**
 * API keys for merchant back ends (`x-api-key`). A key is `ppk_<prefix>_<secret>`; only the
 * SHA-256 of the whole key is stored, found by its public prefix and compared in constant time.
 * Keys can expire and be revoked; last use is recorded at most once a minute per key.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { PrismaClient, Tx } from '../db/client.js';
import type { ApiKey } from '../generated/prisma/client.js';
import { AuthError, type Principal } from './principal.js';
import { ErrorCode } from '../lib/error-codes.js';

const KEY_FORMAT = /^(ppk_[a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

export type { ApiKey };

/**
 * Work done in the transaction that creates or revokes a key (the security alert); what it
 * returns runs after commit. It must not fail the change: a failure is the caller's to log.
 */
export type ApiKeyChangeHook = (tx: Tx, change: { action: 'created' | 'revoked'; apiKey: ApiKey; actor: string }) => Promise<(() => Promise<void>) | undefined>;

export interface ApiKeyService {
  /**
   * Creates a key; the returned `secret` is the only time the full key exists outside the caller.
   * `actor` (default "system") is who asked, for the security alert.
   */
  create(args: { merchantId: string; name: string; expiresAt?: Date | null; actor?: string }): Promise<{ apiKey: ApiKey; secret: string }>;
  verify(key: string): Promise<Principal>;
  revoke(args: { id: string; merchantId: string | null; actor?: string }): Promise<ApiKey | undefined>;
  list(merchantId: string): Promise<ApiKey[]>;
  /** False once the key is revoked, expired or gone: sockets re-check it on every subscribe. */
  isActive(id: string): Promise<boolean>;
}

export function createApiKeyService(prisma: PrismaClient, options: { now?: () => Date; onChange?: ApiKeyChangeHook; onAfterCommitError?: (error: unknown) => void } = {}): ApiKeyService {
  const now = options.now ?? (() => new Date());
  /** Runs `change` and the hook in one transaction, then the hook's after-commit work (errors reported, never thrown). */
  async function changeWith(action: 'created' | 'revoked', actor: string, change: (tx: Tx) => Promise<ApiKey>): Promise<ApiKey> {
    const { apiKey, after } = await prisma.$transaction(async (tx) => {
      const apiKey = await change(tx);
      return { apiKey, after: await options.onChange?.(tx, { action, apiKey, actor }) };
    });
    await after?.().catch((error: unknown) => options.onAfterCommitError?.(error));
    return apiKey;
  }

  return {
    async create({ merchantId, name, expiresAt, actor = 'system' }) {
      const prefix = `ppk_${randomBytes(8).toString('hex').slice(0, 10)}`;
      const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
      const apiKey = await changeWith('created', actor, (tx) =>
        tx.apiKey.create({ data: { id: randomUUID(), merchantId, name, prefix, secretHash: sha256(secret), expiresAt: expiresAt ?? null } }),
      );
      return { apiKey, secret };
    },

    async verify(key) {
      const match = KEY_FORMAT.exec(key);
      if (!match) throw new AuthError(ErrorCode.Unauthenticated, 'API key is malformed');
      const row = await prisma.apiKey.findUnique({ where: { prefix: match[1] } });
      const expected = Buffer.from(row?.secretHash ?? sha256('no such key'), 'hex');
      const actual = Buffer.from(sha256(key), 'hex');
      if (!row || !timingSafeEqual(expected, actual)) throw new AuthError(ErrorCode.Unauthenticated, 'API key is invalid');
      const at = now();
      if (row.revokedAt) throw new AuthError(ErrorCode.Unauthenticated, 'API key was revoked');
      if (row.expiresAt && row.expiresAt <= at) throw new AuthError(ErrorCode.Unauthenticated, 'API key expired');
      if (!row.lastUsedAt || at.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        // Not awaited: recording use must never slow down or fail the request it belongs to.
        prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: at } }).catch(() => {});
      }
      return { kind: 'apiKey', subject: row.id, role: 'merchant', merchantId: row.merchantId, expiresAt: row.expiresAt?.getTime() ?? null };
    },

    async revoke({ id, merchantId, actor = 'system' }) {
      const row = await prisma.apiKey.findUnique({ where: { id } });
      if (!row || (merchantId !== null && row.merchantId !== merchantId)) return undefined;
      if (row.revokedAt) return row;
      return changeWith('revoked', actor, (tx) => tx.apiKey.update({ where: { id }, data: { revokedAt: now() } }));
    },

    async isActive(id) {
      const row = await prisma.apiKey.findUnique({ where: { id }, select: { revokedAt: true, expiresAt: true } });
      return !!row && !row.revokedAt && !(row.expiresAt && row.expiresAt <= now());
    },

    list(merchantId) {
      return prisma.apiKey.findMany({ where: { merchantId }, orderBy: { createdAt: 'desc' } });
    },
  };
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
