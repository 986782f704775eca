/**
 * The open graphql-ws sockets by credential, so revoking a credential closes its sockets at
 * once (4403) instead of letting them stream until the token expires. A revocation is published
 * on the `sessions` channel and every instance (this one included) closes the sockets it holds,
 * so `revokeSessions` and `revokeApiKey` reach every instance.
 */
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../lib/logger.js';
import type { PubSub } from '../pubsub/index.js';

export interface RevocationMessage {
  kind: Principal['kind'];
  subject: string;
  reason: string;
}

export interface SessionRegistry {
  add(principal: Principal, socket: WebSocket): void;
  remove(principal: Principal, socket: WebSocket): void;
  /** Sockets this credential holds on this instance. */
  count(principal: Principal): number;
  /** Closes every socket of this credential with 4403 on every instance. */
  revoke(kind: Principal['kind'], subject: string, reason: string): Promise<void>;
  /** Starts listening for revocations made on any instance. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSessionRegistry(deps: { pubsub: PubSub; logger: Logger }): SessionRegistry {
  const byCredential = new Map<string, Set<WebSocket>>();
  const keyOf = (kind: Principal['kind'], subject: string) => `${kind}:${subject}`;
  let channel: AsyncIterableIterator<RevocationMessage> | undefined;
  let stopped = false;

  const closeLocal = ({ kind, subject, reason }: RevocationMessage) => {
    const sockets = byCredential.get(keyOf(kind, subject));
    for (const socket of sockets ?? []) socket.close(CloseCode.Forbidden, reason);
    if (sockets?.size) deps.logger.info({ kind, closed: sockets.size }, 'sessions revoked');
  };

  return {
    add(principal, socket) {
      const key = keyOf(principal.kind, principal.subject);
      const sockets = byCredential.get(key) ?? new Set();
      sockets.add(socket);
      byCredential.set(key, sockets);
    },
    remove(principal, socket) {
      const key = keyOf(principal.kind, principal.subject);
      const sockets = byCredential.get(key);
      sockets?.delete(socket);
      if (sockets?.size === 0) byCredential.delete(key);
    },
    count(principal) {
      return byCredential.get(keyOf(principal.kind, principal.subject))?.size ?? 0;
    },
    async revoke(kind, subject, reason) {
      const message = { kind, subject, reason };
      // Closed here at once; the message reaches the other instances (and closes nothing more here).
      closeLocal(message);
      await deps.pubsub.publish('sessions', 'all', message);
    },
    async start() {
      // In the background, retried until it works: a Redis outage at start must not stop the
      // server (readiness reports it), and revocations reach this instance once it is back.
      void (async () => {
        for (let attempt = 0; !stopped; attempt++) {
          try {
            channel = await deps.pubsub.subscribe('sessions', 'all', { internal: true });
            if (stopped) return void (await channel.return?.());
            for await (const message of channel) closeLocal(message);
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
      await channel?.return?.();
    },
  };
}
