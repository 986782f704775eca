/**
 * WebSocket keep-alive for every socket of a server on one interval (instead of graphql-ws's
 * `setInterval` per socket and a `setTimeout` per ping): every `intervalMs` each open socket that
 * answered the previous ping is pinged again, and one that did not is terminated — the same
 * rule as graphql-ws's `useServer(…, keepAlive)`, so a dead peer is dropped between one and two
 * intervals after its last pong.
 */
import type { WebSocket, WebSocketServer } from 'ws';

export interface KeepAlive {
  stop(): void;
}

export function keepAlive(wss: WebSocketServer, intervalMs: number): KeepAlive {
  if (!(intervalMs > 0 && Number.isFinite(intervalMs))) return { stop() {} };
  // Sockets pinged and not answered yet.
  const waiting = new WeakSet<WebSocket>();
  const answered = function (this: WebSocket) {
    waiting.delete(this);
  };
  wss.on('connection', (socket) => socket.on('pong', answered));
  const timer = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (waiting.has(socket)) {
        socket.terminate();
        continue;
      }
      waiting.add(socket);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
