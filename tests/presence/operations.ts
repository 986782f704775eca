import { graphql } from '../generated/gql.js';

export const PresenceSub = graphql(`
  subscription PresenceSub($userIds: [ID!]!) {
    presence(userIds: $userIds) { userId status lastSeenAt }
  }
`);

export const ConnectionStatsQuery = graphql(`
  query ConnectionStatsQuery {
    connectionStats { sockets subscriptions instance { instance sockets users subscriptions } instances { instance sockets users subscriptions } }
  }
`);

export const RevokeSessions = graphql(`
  mutation RevokeSessions($userId: ID!) {
    revokeSessions(userId: $userId)
  }
`);
