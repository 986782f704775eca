/**
 * The open sessions (graphql-ws sockets, SSE and multipart streams, graphql-sse reservations) by
 * credential, so revoking a credential ends them at once instead of letting them stream until the
 * token expires. A revocation is published on the `sessions` channel and every instance (this one
 * included) ends the sessions it holds, so `revokeSessions` and `revokeApiKey` reach every
 * instance and every transport.
 */
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../lib/logger.js';
import { liveFeed } from '../pubsub/feed.js';
import type { PubSub } from '../pubsub/index.js';
import { EdgeEndCode, type EdgeSession } from './types.js';

export interface RevocationMessage {
  kind: Principal['kind'];
  subject: string;
  /** An EdgeEndCode; older instances sent free text, read as the credential kind's code. */
  reason: string;
}

export interface SessionRegistry {
  add(principal: Principal, session: EdgeSession): void;
  remove(principal: Principal, session: EdgeSession): void;
  /** Sessions this credential holds on this instance. */
  count(principal: Principal): number;
  /** Ends every session of this credential, on every instance, with `code`. */
  revoke(kind: Principal['kind'], subject: string, code: EdgeEndCode): Promise<void>;
  /**
   * Calls `listener` for every revocation reaching this instance (its own and every other's),
   * before the sessions it ends are told. Returns the unsubscribe.
   */
  onRevocation(listener: (credential: Pick<RevocationMessage, 'kind' | 'subject'>) => void): () => void;
  /**
   * A credential's stored state changed on this instance without a revocation of its sessions (an
   * API key revoked through ApiKeyService): this instance's listeners hear it at once, as they hear
   * a revocation; nothing is ended and nothing is published.
   */
  changed(kind: Principal['kind'], subject: string): void;
  /** Starts listening for revocations made on any instance. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const CODES = new Set<string>(Object.values(EdgeEndCode));

export function createSessionRegistry(deps: { pubsub: PubSub; logger: Logger }): SessionRegistry {
  const byCredential = new Map<string, Set<EdgeSession>>();
  const keyOf = (kind: Principal['kind'], subject: string) => `${kind}:${subject}`;
  let listener: AsyncIterableIterator<RevocationMessage> | undefined;
  let stopped = false;
  const listeners = new Set<(credential: Pick<RevocationMessage, 'kind' | 'subject'>) => void>();

  const endLocal = (message: RevocationMessage) => {
    const { kind, subject, reason } = message;
    for (const listener of listeners) listener(message);
    const code = (CODES.has(reason) ? reason : kind === 'apiKey' ? EdgeEndCode.ApiKeyRevoked : EdgeEndCode.SessionsRevoked) as EdgeEndCode;
    const sessions = [...(byCredential.get(keyOf(kind, subject)) ?? [])];
    for (const session of sessions) session.end(code);
    if (sessions.length) deps.logger.info({ kind, ended: sessions.length, code }, 'sessions revoked');
  };

  return {
    add(principal, session) {
      const key = keyOf(principal.kind, principal.subject);
      const sessions = byCredential.get(key) ?? new Set();
      sessions.add(session);
      byCredential.set(key, sessions);
    },
    remove(principal, session) {
      const key = keyOf(principal.kind, principal.subject);
      const sessions = byCredential.get(key);
      sessions?.delete(session);
      if (sessions?.size === 0) byCredential.delete(key);
    },
    count(principal) {
      return byCredential.get(keyOf(principal.kind, principal.subject))?.size ?? 0;
    },
    async revoke(kind, subject, code) {
      const message = { kind, subject, reason: code };
      // Ended here at once; the message reaches the other instances (and ends nothing more here).
      endLocal(message);
      await deps.pubsub.publish('sessions', 'all', message);
    },
    changed(kind, subject) {
      for (const listener of listeners) listener({ kind, subject });
    },
    onRevocation(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async start() {
      // In the background, retried until it works: a Redis outage at start must not stop the
      // server (readiness reports it), and revocations reach this instance once it is back.
      void (async () => {
        for (let attempt = 0; !stopped; attempt++) {
          try {
            // An internal feed (not counted as a client subscription); its first read fails while
            // Redis is unreachable, which the loop retries.
            listener = liveFeed(deps.pubsub, { topic: 'sessions', key: 'all', internal: true, map: (message) => message });
            if (stopped) return void (await listener.return?.());
            for await (const message of listener) endLocal(message);
            return;
          } catch (err) {
            if (attempt === 0) deps.logger.warn({ err }, 'session revocation listener not subscribed yet; retrying');
            await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      await listener?.return?.();
    },
  };
}
