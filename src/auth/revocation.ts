/**
 * What `revokeApiKey` and `revokeSessions` do beyond the key or the user record: end the open
 * sessions (every transport, every instance, through the edge's session registry) and, for a
 * user, refuse the tokens issued until now (auth/not-before.ts) and tell them.
 */
import type { SessionRegistry } from '../edge/sessions.js';
import { EdgeEndCode } from '../edge/types.js';
import type { Logger } from '../lib/logger.js';
import { draftForSessionsRevoked } from '../notifications/rules.js';
import type { NotificationService } from '../notifications/service.js';
import type { NotBeforeStore } from './not-before.js';

export interface SessionRevocation {
  /** Ends every socket and stream opened with this (just revoked) API key: 4403 API_KEY_REVOKED. */
  endApiKeySessions(keyId: string): Promise<void>;
  /**
   * Refuses this user's tokens issued until now, everywhere, until they expire; ends their sessions
   * (4403 SESSIONS_REVOKED); then writes the security alert (a failure there is logged, not thrown).
   */
  revokeUser(userId: string): Promise<void>;
}

export interface SessionRevocationDeps {
  sessions: Pick<SessionRegistry, 'revoke'>;
  notBefore: Pick<NotBeforeStore, 'set'>;
  notifications: Pick<NotificationService, 'notify'>;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
}

export function createSessionRevocation({ sessions, notBefore, notifications, logger, now = Date.now }: SessionRevocationDeps): SessionRevocation {
  return {
    endApiKeySessions: (keyId) => sessions.revoke('apiKey', keyId, EdgeEndCode.ApiKeyRevoked),
    async revokeUser(userId) {
      // The mark first: a client reconnecting as soon as its stream ends is refused.
      await notBefore.set(userId, now());
      await sessions.revoke('user', userId, EdgeEndCode.SessionsRevoked);
      // The sockets are closed whatever happens to the alert.
      await notifications
        .notify([draftForSessionsRevoked({ userId, at: new Date() })])
        .catch((err: unknown) => logger.error({ err }, 'sessions-revoked alert could not be written'));
    },
  };
}
