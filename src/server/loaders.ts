/**
 * Per-request DataLoaders, created with each GraphQL context (server/context.ts): a field that
 * reads a child list for each of many parents (`Order.history`, `Notification.deliveries`) asks
 * its loader, and the loader reads every parent of the tick in one query.
 *
 * `cache: false` on purpose: a subscription keeps its context for its whole life, and an order's
 * history or a notification's deliveries change between its events; batching within one
 * execution tick is what removes the N+1, a per-request cache would only serve stale rows.
 */
import DataLoader from 'dataloader';
import type { DeliveryRecord } from '../notifications/types.js';
import type { OrderStatusChangeRecord } from '../orders/types.js';
import type { Domain } from '../domain.js';

export interface Loaders {
  /** An order's changes, oldest first. */
  orderHistory: DataLoader<string, OrderStatusChangeRecord[]>;
  /** A notification's deliveries. */
  notificationDeliveries: DataLoader<string, DeliveryRecord[]>;
}

function batchOf<V>(read: (ids: readonly string[]) => Promise<Map<string, V[]>>) {
  return async (ids: readonly string[]): Promise<V[][]> => {
    const found = await read(ids);
    return ids.map((id) => found.get(id) ?? []);
  };
}

/**
 * Each loader is made on first use: most operations (every ingest, most subscriptions) read
 * neither list, and a subscription keeps its context, and so its loaders, for as long as it runs.
 */
class LazyLoaders implements Loaders {
  #orderHistory: Loaders['orderHistory'] | undefined;
  #notificationDeliveries: Loaders['notificationDeliveries'] | undefined;
  constructor(private readonly domain: Pick<Domain, 'orders' | 'notifications'>) {}

  get orderHistory(): Loaders['orderHistory'] {
    return (this.#orderHistory ??= new DataLoader(batchOf((ids) => this.domain.orders.histories(ids)), { cache: false }));
  }

  get notificationDeliveries(): Loaders['notificationDeliveries'] {
    return (this.#notificationDeliveries ??= new DataLoader(batchOf((ids) => this.domain.notifications.deliveries(ids)), { cache: false }));
  }
}

export function createLoaders(domain: Pick<Domain, 'orders' | 'notifications'>): Loaders {
  return new LazyLoaders(domain);
}
