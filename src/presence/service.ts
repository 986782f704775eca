/**
 * Presence (docs/presence.md): a user is ONLINE while holding at least one edge session on any
 * instance (a graphql-ws socket, an SSE or multipart stream, a graphql-sse reservation: src/edge),
 * AWAY once none of their sessions has done anything for PRESENCE_AWAY_MS, and OFFLINE after
 * their last session ends — or, when an instance dies, once its sessions' heartbeat
 * (PRESENCE_TTL_MS) runs out. Each instance refreshes its own sessions on a heartbeat and
 * publishes a nudge on every connect, disconnect and return from away; watchers re-read the
 * store on a nudge and on a timer (which is how AWAY and expiry are noticed) and send changes.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../lib/logger.js';
import type { PubSub } from '../pubsub/index.js';
import { signalFeed } from '../pubsub/feed.js';
import type { InstanceStats, PresenceStore, UserPresenceRecord } from './store.js';

export const PRESENCE_STATUSES = ['ONLINE', 'AWAY', 'OFFLINE'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export interface PresenceUpdate {
  userId: string;
  status: PresenceStatus;
  /** Last activity on any socket; null when never seen. */
  lastSeenAt: Date | null;
}

export interface PresenceOptions {
  awayMs: number;
  ttlMs: number;
}

export interface PresenceService {
  readonly instance: string;
  connected(principal: Principal, socket: object): void;
  /** An operation arrived on the socket. */
  active(socket: object): void;
  disconnected(socket: object): void;
  subscriptionStarted(): void;
  subscriptionEnded(): void;
  records(userIds: readonly string[]): Promise<Map<string, UserPresenceRecord>>;
  statuses(userIds: readonly string[]): Promise<PresenceUpdate[]>;
  /** Current status of each, then every change. */
  watch(userIds: readonly string[]): AsyncIterableIterator<PresenceUpdate>;
  stats(): Promise<{ instance: InstanceStats; instances: InstanceStats[] }>;
  start(): void;
  /** False while the presence store (Redis) is unreachable. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

interface LocalSocket {
  userId: string;
  merchantId: string | null;
  key: string;
  lastTouch: number;
}

export function statusOf(record: UserPresenceRecord | undefined, now: number, awayMs: number): PresenceStatus {
  if (!record || record.sockets === 0) return 'OFFLINE';
  return record.lastActivity !== undefined && now - record.lastActivity > awayMs ? 'AWAY' : 'ONLINE';
}

export function createPresenceService(deps: { store: PresenceStore; pubsub: PubSub; logger: Logger; options: PresenceOptions }): PresenceService {
  const { store, pubsub, logger, options } = deps;
  const instance = `i_${randomUUID().slice(0, 8)}`;
  const local = new Map<object, LocalSocket>();
  let subscriptions = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  const heartbeatMs = Math.max(50, Math.floor(options.ttlMs / 3));
  const pollMs = Math.max(50, Math.min(heartbeatMs, Math.floor(options.awayMs / 2)));
  // Activity is written at most this often per socket (plus always when it ends an AWAY).
  const touchEveryMs = Math.min(1_000, Math.floor(options.awayMs / 4));

  // While Redis is away every heartbeat fails: the first failure of a run is logged, the rest
  // only counted, and the recovery is logged with that count (one outage, two lines).
  let failing = 0;
  const quietly = (what: string, work: Promise<unknown>) =>
    void work.then(
      () => {
        if (failing > 0) logger.info({ failures: failing }, 'presence: store reachable again');
        failing = 0;
      },
      (err) => {
        if (failing++ === 0) logger.warn({ err }, `presence: ${what} failed (further failures are counted until it works again)`);
      },
    );
  const nudge = (userId: string) => pubsub.publish('presence', userId, { userId });

  const localStats = (): InstanceStats => ({
    instance,
    sockets: local.size,
    users: new Set([...local.values()].map((s) => s.userId)).size,
    subscriptions,
    at: Date.now(),
  });

  async function beat() {
    const now = Date.now();
    const byUser = new Map<string, LocalSocket[]>();
    for (const s of local.values()) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s]);
    await Promise.all([...byUser].map(([userId, sockets]) => store.refresh(userId, sockets[0]!.merchantId, sockets.map((s) => s.key), now + options.ttlMs)));
    await store.putStats(localStats(), options.ttlMs);
  }

  async function statuses(userIds: readonly string[]): Promise<PresenceUpdate[]> {
    const now = Date.now();
    const records = await store.read(userIds, now);
    return userIds.map((userId) => {
      const r = records.get(userId);
      return { userId, status: statusOf(r, now, options.awayMs), lastSeenAt: r?.lastActivity === undefined ? null : new Date(r.lastActivity) };
    });
  }

  return {
    instance,
    connected(principal, socket) {
      if (principal.kind !== 'user') return;
      const now = Date.now();
      const entry: LocalSocket = { userId: principal.subject, merchantId: principal.merchantId, key: `${instance}:${randomUUID()}`, lastTouch: now };
      local.set(socket, entry);
      quietly(
        'connect',
        (async () => {
          await store.refresh(entry.userId, entry.merchantId, [entry.key], now + options.ttlMs);
          await store.touch(entry.userId, now);
          await nudge(entry.userId);
        })(),
      );
    },
    active(socket) {
      const entry = local.get(socket);
      if (!entry) return;
      const now = Date.now();
      if (now - entry.lastTouch < touchEveryMs) return;
      const wasAway = now - entry.lastTouch > options.awayMs;
      entry.lastTouch = now;
      quietly(
        'activity',
        store.touch(entry.userId, now).then(() => (wasAway ? nudge(entry.userId) : undefined)),
      );
    },
    disconnected(socket) {
      const entry = local.get(socket);
      if (!entry) return;
      local.delete(socket);
      quietly('disconnect', store.remove(entry.userId, entry.key).then(() => nudge(entry.userId)));
    },
    subscriptionStarted: () => void (subscriptions += 1),
    subscriptionEnded: () => void (subscriptions -= 1),
    records: (userIds) => store.read(userIds, Date.now()),
    statuses,
    watch(userIds) {
      // Nudges coalesce: however many arrive while a read runs, one more read follows; the timer
      // notices what changes without a nudge (AWAY, a dead instance's expiry).
      const last = new Map<string, string>();
      const changed = (u: PresenceUpdate) => {
        const key = `${u.status}:${u.lastSeenAt?.getTime() ?? ''}`;
        // lastSeenAt alone moving (activity while ONLINE) is not worth a message.
        const previous = last.get(u.userId);
        if (previous !== undefined && previous.split(':')[0] === u.status) return false;
        last.set(u.userId, key);
        return true;
      };
      return signalFeed(pubsub, {
        topic: 'presence',
        keys: userIds,
        pollMs,
        endWithChannel: false,
        read: async () => (await statuses(userIds)).filter(changed),
      });
    },
    async stats() {
      const mine = localStats();
      const instances = await store.allStats(Date.now());
      return { instance: mine, instances: [mine, ...instances.filter((s) => s.instance !== instance)] };
    },
    start() {
      heartbeat = setInterval(() => quietly('heartbeat', beat()), heartbeatMs);
      heartbeat.unref();
      quietly('heartbeat', beat());
    },
    readiness: () => store.readiness(),
    async stop() {
      clearInterval(heartbeat);
      // A clean stop removes this instance's sockets at once instead of waiting for the TTL.
      await Promise.all([...local.values()].map((s) => store.remove(s.userId, s.key).then(() => nudge(s.userId)).catch(() => {})));
      local.clear();
      await store.stop();
    },
  };
}
