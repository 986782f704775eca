/**
 * Announcements: stored, then published on one channel that every instance's `announcements`
 * subscribers share; each subscriber keeps only those addressed to it (everyone, its role, or
 * its merchant).
 */
import { randomUUID } from 'node:crypto';
import type { Principal, Role } from '../auth/principal.js';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import { liveFeed } from '../pubsub/feed.js';
import type { PubSub } from '../pubsub/index.js';

export const ANNOUNCEMENT_SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;
export type AnnouncementSeverity = (typeof ANNOUNCEMENT_SEVERITIES)[number];

export type Audience = { kind: 'everyone' } | { kind: 'role'; role: Role } | { kind: 'merchant'; merchantId: string };

export interface Announcement {
  id: string;
  audience: Audience;
  severity: AnnouncementSeverity;
  title: string;
  body: string;
  createdBy: string;
  createdAt: Date;
}

export type AnnouncementMessage = Omit<Announcement, 'createdAt'> & { createdAt: string };

export interface AnnouncementService {
  broadcast(input: Omit<Announcement, 'id' | 'createdAt'>): Promise<Announcement>;
  /** The announcements addressed to `principal`, from now on. */
  follow(principal: Principal): AsyncIterableIterator<Announcement>;
}

/** The single channel key: every instance subscribes to it while it has a subscriber. */
const CHANNEL = 'all';

export function isAddressedTo(audience: Audience, principal: Principal): boolean {
  if (audience.kind === 'everyone') return true;
  if (audience.kind === 'role') return principal.role === audience.role;
  return principal.merchantId === audience.merchantId;
}

export function createAnnouncementService(deps: { prisma: PrismaClient; pubsub: PubSub; logger: Logger }): AnnouncementService {
  return {
    async broadcast(input) {
      const announcement: Announcement = { ...input, id: `ann_${randomUUID()}`, createdAt: new Date() };
      const { audience } = announcement;
      await deps.prisma.announcement.create({
        data: {
          id: announcement.id,
          audience: audience.kind,
          role: audience.kind === 'role' ? audience.role : null,
          merchantId: audience.kind === 'merchant' ? audience.merchantId : null,
          severity: announcement.severity,
          title: announcement.title,
          body: announcement.body,
          createdBy: announcement.createdBy,
          createdAt: announcement.createdAt,
        },
      });
      await deps.pubsub.publish('announcements', CHANNEL, { ...announcement, createdAt: announcement.createdAt.toISOString() });
      deps.logger.info({ id: announcement.id, audience: audience.kind }, 'announcement broadcast');
      return announcement;
    },
    follow(principal) {
      return liveFeed(deps.pubsub, {
        topic: 'announcements',
        key: CHANNEL,
        map: (m) => (isAddressedTo(m.audience, principal) ? { ...m, createdAt: new Date(m.createdAt) } : undefined),
      });
    },
  };
}
