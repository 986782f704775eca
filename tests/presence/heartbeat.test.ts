/**
 * Presence's heartbeat is per instance, not per user: however many users an instance holds, one
 * Redis round trip per interval keeps them all online; a user whose socket closes is offline on
 * every instance at once, and the users of an instance that stops beating go offline when its
 * liveness key runs out (at most PRESENCE_TTL_MS after its last heartbeat). Commands are counted
 * with MONITOR, filtered by this file's fresh key prefix; the interval is driven by fake timers.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createLogger } from '../../src/lib/logger.js';
import { createPresenceService, type PresenceService } from '../../src/presence/service.js';
import { createRedisPresenceStore } from '../../src/presence/store.js';
import { createMemoryPubSub } from '../../src/pubsub/memory.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

const TTL_MS = 30_000;
const HEARTBEAT_MS = TTL_MS / 3;
const logger = createLogger({ level: 'silent' });
const user = (subject: string): Principal => ({ kind: 'user', subject, role: 'vendor', merchantId: 'm_heartbeat', expiresAt: null });

interface Seen {
  args: string[];
  /** `lua` for commands run by a script; the client's address for the round trips themselves. */
  source: string;
}

await describeWith(['redis'], 'presence heartbeat (Redis)', () => {
  let redis: Redis;
  let monitor: Redis;
  const seen: Seen[] = [];
  const services: PresenceService[] = [];
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    monitor = await new Redis(REDIS_URL).monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => void seen.push({ args, source }));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(services.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    monitor.disconnect();
    redis.disconnect();
  });

  /** A service with a fresh key prefix; its heartbeat interval is a fake timer. */
  function instance(prefix: string, ttlMs = TTL_MS) {
    const presence = createPresenceService({ store: createRedisPresenceStore(REDIS_URL, prefix), pubsub: createMemoryPubSub(), logger, options: { awayMs: 600_000, ttlMs } });
    services.push(presence);
    return presence;
  }
  /** Round trips (not commands run inside scripts) that touched `prefix`, after every earlier one has been seen. */
  async function roundTrips(prefix: string): Promise<Seen[]> {
    // A marker sent after the commands counted; MONITOR reports in execution order.
    const marker = `${prefix}marker:${randomUUID()}`;
    await redis.echo(marker);
    await waitUntil(() => seen.some((s) => s.args.includes(marker)), 10_000, () => 'MONITOR caught up');
    const markers = `${prefix}marker:`;
    return seen.filter((s) => s.source !== 'lua' && !s.args.some((a) => a.startsWith(markers)) && s.args.some((a) => a.includes(prefix)));
  }

  it('K users on one instance cost ONE round trip per heartbeat interval, whatever K', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const prefix = `test:presence:${randomUUID()}:`;
    const presence = instance(prefix);
    presence.start();
    const ids = Array.from({ length: 40 }, (_, i) => `hb-user-${i}-${randomUUID().slice(0, 6)}`);
    // 40 users, 60 sockets (some users hold two).
    for (const [i, id] of ids.entries()) {
      presence.connected(user(id), {});
      if (i % 2 === 0) presence.connected(user(id), {});
    }
    await waitUntil(async () => (await presence.statuses(ids)).every((s) => s.status === 'ONLINE'), 10_000, () => 'all online');
    // The connections' own write (it names the users) is counted before the heartbeats: the
    // client pipelines, so it may reach Redis after the statuses were read.
    await waitUntil(async () => (await roundTrips(prefix)).some((c) => c.args.some((a) => a.includes(ids.at(-1)!))), 10_000, () => 'the connections written');
    const before = (await roundTrips(prefix)).length;

    for (let beat = 0; beat < 3; beat++) vi.advanceTimersByTime(HEARTBEAT_MS);
    await waitUntil(async () => (await roundTrips(prefix)).length >= before + 3, 10_000, () => 'three heartbeats');
    const beats = (await roundTrips(prefix)).slice(before);
    expect(beats).toHaveLength(3);
    // Each is the heartbeat script (EVALSHA), not a MULTI per user.
    expect(beats.every((b) => b.args[0]?.toLowerCase() === 'evalsha')).toBe(true);
    expect((await presence.statuses(ids)).every((s) => s.status === 'ONLINE')).toBe(true);
  });

  it('a user whose socket closes is offline on another instance at once; an instance that stops beating loses its users when its liveness key (≤ PRESENCE_TTL_MS) runs out', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const prefix = `test:presence:${randomUUID()}:`;
    const ttlMs = 1_500;
    const a = instance(prefix, ttlMs);
    const b = instance(prefix, ttlMs);
    a.start();
    b.start();
    const leaving = `hb-leaving-${randomUUID().slice(0, 6)}`;
    const stranded = `hb-stranded-${randomUUID().slice(0, 6)}`;
    const socket = {};
    a.connected(user(leaving), socket);
    a.connected(user(stranded), {});
    const statusOnB = async (id: string) => (await b.statuses([id]))[0]!.status;
    await waitUntil(async () => (await statusOnB(leaving)) === 'ONLINE' && (await statusOnB(stranded)) === 'ONLINE', 10_000, () => 'online on b');

    // Closed: removed from the store before the nudge, so b reads OFFLINE without any timer.
    a.disconnected(socket);
    await waitUntil(async () => (await statusOnB(leaving)) === 'OFFLINE', 10_000, () => 'offline on b after the close');

    // a's interval never fires again (fake timers not advanced): a is dead. Its users count as
    // long as its liveness key exists, which lives at most ttlMs after the last write.
    const alive = `${prefix}alive:${a.instance}`;
    const pttl = await redis.pttl(alive);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(ttlMs);
    expect(await statusOnB(stranded)).toBe('ONLINE');
    await waitUntil(async () => (await redis.exists(alive)) === 0, 10_000, () => 'liveness key expired');
    expect(await statusOnB(stranded)).toBe('OFFLINE');
  });

  it('a heartbeat keeps an idle instance online past its TTL', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const prefix = `test:presence:${randomUUID()}:`;
    const a = instance(prefix, 1_000);
    a.start();
    const id = `hb-idle-${randomUUID().slice(0, 6)}`;
    a.connected(user(id), {});
    await waitUntil(async () => (await a.statuses([id]))[0]!.status === 'ONLINE', 10_000, () => 'online');
    // Beat, then let the key's age pass its TTL several times, beating before each expiry.
    const alive = `${prefix}alive:${a.instance}`;
    for (let i = 0; i < 3; i++) {
      const before = (await roundTrips(prefix)).length;
      vi.advanceTimersByTime(Math.floor(1_000 / 3));
      await waitUntil(async () => (await roundTrips(prefix)).length > before, 10_000, () => 'heartbeat sent');
      expect(await redis.pttl(alive)).toBeGreaterThan(0);
    }
    expect((await a.statuses([id]))[0]!.status).toBe('ONLINE');
  });

  it('after its liveness lapsed (Redis away longer than the TTL), the next heartbeat registers the instance\'s sockets again', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const prefix = `test:presence:${randomUUID()}:`;
    const a = instance(prefix);
    const b = instance(prefix);
    a.start();
    const id = `hb-lapse-${randomUUID().slice(0, 6)}`;
    a.connected(user(id), {});
    const statusOnB = async () => (await b.statuses([id]))[0]!.status;
    await waitUntil(async () => (await statusOnB()) === 'ONLINE', 10_000, () => 'online on b');
    // As if the key had run out: b's read drops a's socket from the user's set. (a's first
    // heartbeat, sent by start(), may still be in flight and write the key again: delete until
    // a read finds it gone; the interval is faked, so no later beat comes meanwhile.)
    await waitUntil(
      async () => {
        await redis.del(`${prefix}alive:${a.instance}`);
        return (await statusOnB()) === 'OFFLINE';
      },
      10_000,
      () => 'offline on b once the liveness key is gone',
    );
    expect(await redis.zcard(`${prefix}sockets:${id}`)).toBe(0);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    await waitUntil(async () => (await statusOnB()) === 'ONLINE', 10_000, () => 'online again after the heartbeat');
  });
});
