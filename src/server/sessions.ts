/**
 * The open graphql-ws sockets of this instance by credential, so revoking a credential closes
 * its sockets at once (4403) instead of letting them stream until the token expires.
 * This instance only: closing the sockets held by other instances arrives with `revokeSessions`.
 */
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';

export interface SessionRegistry {
  add(principal: Principal, socket: WebSocket): void;
  remove(principal: Principal, socket: WebSocket): void;
  /** Closes every socket of this credential with 4403; returns how many were closed. */
  revoke(kind: Principal['kind'], subject: string, reason: string): number;
}

export function createSessionRegistry(): SessionRegistry {
  const byCredential = new Map<string, Set<WebSocket>>();
  const keyOf = (kind: Principal['kind'], subject: string) => `${kind}:${subject}`;
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
    revoke(kind, subject, reason) {
      const sockets = byCredential.get(keyOf(kind, subject));
      if (!sockets) return 0;
      for (const socket of sockets) socket.close(CloseCode.Forbidden, reason);
      return sockets.size;
    },
  };
}
