import { graphql } from '../generated/gql.js';

export const AuditTrail = graphql(`
  query AuditTrail($merchantId: ID, $filter: AuditFilter, $first: Int, $after: String) {
    auditTrail(merchantId: $merchantId, filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          kind at actor actorKind cause eventId walletId orderId version fromStatus toStatus
          availableDelta { amountMinor currency }
          available { amountMinor currency }
          pending { amountMinor currency }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
