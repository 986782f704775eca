/**
 * Presence (docs/presence.md): a user is ONLINE while holding at least one edge session on any
 * instance (a graphql-ws socket, an SSE or multipart stream, a graphql-sse reservation: src/edge),
 * AWAY once none of their sessions has done anything for PRESENCE_AWAY_MS, and OFFLINE after
 * their last session ends — or, when an instance dies, once its heartbeat (PRESENCE_TTL_MS) runs
 * out. Each instance keeps all its sessions alive with one heartbeat (one store round trip every
 * PRESENCE_TTL_MS / 3, whatever the number of users: store.ts) and publishes a nudge on every
 * connect, disconnect and return from away; watchers re-read the store on a nudge and on a timer
 * (which is how AWAY and expiry are noticed) and send changes.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../lib/logger.js';
import type { PubSub } from '../pubsub/index.js';
import { signalFeed } from '../pubsub/feed.js';
import { MEMORY_MS, type InstanceStats, type PresenceStore, type UserPresenceRecord } from './store.js';

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
  /** PRESENCE_TTL_MS: how long an instance's sessions count after its last heartbeat (sent every ttlMs / 3). */
  ttlMs: number;
  /** @default Date.now */
  now?: () => number;
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

// A user's merchant and activity are remembered MEMORY_MS after their last connect; users holding
// sockets longer have that memory renewed by the heartbeat this often (rarely: not every beat).
const REMEMBER_EVERY_MS = MEMORY_MS / 7;

export function statusOf(record: UserPresenceRecord | undefined, now: number, awayMs: number): PresenceStatus {
  if (!record || record.sockets === 0) return 'OFFLINE';
  return record.lastActivity !== undefined && now - record.lastActivity > awayMs ? 'AWAY' : 'ONLINE';
}

export function createPresenceService(deps: { store: PresenceStore; pubsub: PubSub; logger: Logger; options: PresenceOptions }): PresenceService {
  const { store, pubsub, logger, options } = deps;
  const clock = options.now ?? Date.now;
  const instance = `i_${randomUUID().slice(0, 8)}`;
  const local = new Map<object, LocalSocket>();
  // Sockets per user on this instance, and when each user's memory was last renewed.
  const users = new Map<string, { sockets: number; rememberedAt: number }>();
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
    users: users.size,
    subscriptions,
    at: clock(),
  });

  /** One round trip for the whole instance: its liveness, its stats, and the rare memory renewals. */
  async function beat() {
    const stats = localStats();
    const remember: string[] = [];
    for (const [userId, user] of users)
      if (stats.at - user.rememberedAt >= REMEMBER_EVERY_MS) {
        user.rememberedAt = stats.at;
        remember.push(userId);
      }
    const lapsed = await store.heartbeat(stats, options.ttlMs, remember);
    // Redis was away longer than the TTL: readers may have dropped this instance's sockets.
    // Registered again in one round trip (activity 0: a return is not activity).
    if (lapsed && local.size > 0) await store.add([...local.values()].map((s) => ({ instance, userId: s.userId, merchantId: s.merchantId, key: s.key })), 0, options.ttlMs);
  }

  async function statuses(userIds: readonly string[]): Promise<PresenceUpdate[]> {
    const now = clock();
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
      const now = clock();
      const entry: LocalSocket = { userId: principal.subject, merchantId: principal.merchantId, key: `${instance}:${randomUUID()}`, lastTouch: now };
      local.set(socket, entry);
      const user = users.get(entry.userId);
      if (user) user.sockets += 1;
      else users.set(entry.userId, { sockets: 1, rememberedAt: now });
      quietly(
        'connect',
        store.add([{ instance, userId: entry.userId, merchantId: entry.merchantId, key: entry.key }], now, options.ttlMs).then(() => nudge(entry.userId)),
      );
    },
    active(socket) {
      const entry = local.get(socket);
      if (!entry) return;
      const now = clock();
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
      const user = users.get(entry.userId);
      if (user && --user.sockets === 0) users.delete(entry.userId);
      quietly('disconnect', store.remove(entry.userId, entry.key).then(() => nudge(entry.userId)));
    },
    subscriptionStarted: () => void (subscriptions += 1),
    subscriptionEnded: () => void (subscriptions -= 1),
    records: (userIds) => store.read(userIds, clock()),
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
      const instances = await store.allStats(clock());
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
      users.clear();
      await store.stop();
    },
  };
}
