/**
 * A TCP proxy for fault injection (not a test file itself): forwards every connection to one
 * target until `cut()`, which resets every open connection and refuses new ones (accepted, then
 * reset at once, so clients see ECONNRESET rather than hanging) until `restore()`.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** Connections forwarded, reset by `cut()`, and refused while cut. */
  readonly stats: { forwarded: number; reset: number; refused: number };
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const stats = { forwarded: 0, reset: 0, refused: 0 };
  let down = false;

  const server = createServer((client) => {
    if (down) {
      stats.refused += 1;
      client.resetAndDestroy();
      return;
    }
    stats.forwarded += 1;
    const upstream = connect(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    stats,
    cut() {
      down = true;
      for (const pair of [...pairs]) {
        stats.reset += 1;
        pairs.delete(pair);
        // RST to the client (ECONNRESET mid-query); the server side just loses its peer.
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
    },
    restore() {
      down = false;
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
