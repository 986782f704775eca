/**
 * Every operation the dashboard sends, as typed documents (GraphQL Code Generator's client
 * preset, `documentMode: 'string'`: each is a typed string, so no GraphQL parser ships to the
 * browser). Regenerate with `npm run codegen` after editing.
 */
import { graphql } from './gql/gql.js';

export const Viewer = graphql(`
  query DashboardViewer($merchantId: ID) {
    me { kind role subject merchantId expiresAt }
    merchant(id: $merchantId) { id name timezone defaultCurrency }
  }
`);

export const TotalsFields = graphql(`
  fragment DashboardTotals on AnalyticsTotals {
    currency transactions succeeded failed refunded successRate
    gross { amount amountMinor currency }
    fees { amount amountMinor currency }
    net { amount amountMinor currency }
  }
`);

export const Overview = graphql(`
  query DashboardOverview($merchantId: ID) {
    dashboardOverview(merchantId: $merchantId) {
      merchantId timezone today
      currencies {
        currency
        today { ...DashboardTotals }
        yesterday { ...DashboardTotals }
      }
    }
  }
`);

export const Breakdown = graphql(`
  query DashboardBreakdown($merchantId: ID, $from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity!, $days: Int!) {
    paymentActivity(merchantId: $merchantId, from: $from, to: $to, granularity: $granularity) {
      buckets { start events completed failed }
      providers { provider events completed failed completedAmount { amount currency } }
    }
    paymentMethods(merchantId: $merchantId, days: $days) {
      paymentMethod currency transactions succeeded successRate share gross { amount currency }
    }
    topProducts(merchantId: $merchantId, days: $days, limit: 6) {
      productId productName sold revenue { amount currency }
    }
  }
`);

export const FeedFields = graphql(`
  fragment FeedEvent on PaymentEvent {
    cursor eventId type provider paymentMethod currency customerId productName reference occurredAt
    amount { amount amountMinor currency }
  }
`);

export const RecentEvents = graphql(`
  query DashboardRecentEvents($filter: PaymentEventFilter, $first: Int!) {
    paymentEvents(filter: $filter, first: $first) {
      edges { node { ...FeedEvent } }
    }
  }
`);

export const LiveEvents = graphql(`
  subscription DashboardLiveEvents($filter: PaymentEventFilter, $after: String) {
    paymentEvents(filter: $filter, after: $after) { ...FeedEvent }
  }
`);

export const LiveTotals = graphql(`
  subscription DashboardLiveTotals($merchantId: ID) {
    dashboardUpdated(merchantId: $merchantId) {
      day at
      today { ...DashboardTotals }
    }
  }
`);
