/** Operations of the dashboard tests (typed by `npm run codegen`). */
import { graphql } from '../generated/gql.js';

export const AllEventFields = graphql(`
  query DashboardTestEvents($filter: PaymentEventFilter, $first: Int, $after: String) {
    paymentEvents(filter: $filter, first: $first, after: $after, order: ASC) {
      edges {
        node {
          cursor eventId type provider paymentMethod currency customerId productId productName orderId walletId reference
          occurredAt receivedAt source
          amount { amount amountMinor }
          fee { amount amountMinor }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const Activity = graphql(`
  query DashboardTestActivity($from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity, $merchantId: ID) {
    paymentActivity(from: $from, to: $to, granularity: $granularity, merchantId: $merchantId) {
      buckets { start events completed failed }
      providers { provider events completed failed completedAmount { amount amountMinor currency } }
    }
  }
`);
