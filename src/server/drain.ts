/**
 * Closing many sockets at once makes every client reconnect at once, to the instances that are
 * left. Draining closes them in batches with a pause between, so reconnections spread out.
 */
export interface DrainOptions {
  batchSize: number;
  intervalMs: number;
}

export async function closeInBatches<T extends { close(code: number, reason: string): void }>(sockets: Iterable<T>, options: DrainOptions): Promise<number> {
  const all = [...sockets];
  for (let i = 0; i < all.length; i += options.batchSize) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    for (const socket of all.slice(i, i + options.batchSize)) socket.close(1001, 'server shutting down');
  }
  return all.length;
}
