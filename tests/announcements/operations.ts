import { graphql } from '../generated/gql.js';

export const Broadcast = graphql(`
  mutation Broadcast($audience: AnnouncementAudience!, $role: Role, $merchantId: ID, $severity: AnnouncementSeverity, $title: String!, $body: String!) {
    broadcastAnnouncement(audience: $audience, role: $role, merchantId: $merchantId, severity: $severity, title: $title, body: $body) {
      id audience role merchantId severity title body createdAt
    }
  }
`);

export const Announcements = graphql(`
  subscription Announcements {
    announcements { id audience role merchantId severity title body }
  }
`);
