/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query DashboardViewer($merchantId: ID) {\n    me { kind role subject merchantId expiresAt }\n    merchant(id: $merchantId) { id name timezone defaultCurrency }\n  }\n": typeof types.DashboardViewerDocument,
    "\n  fragment DashboardTotals on AnalyticsTotals {\n    currency transactions succeeded failed refunded successRate\n    gross { amount amountMinor currency }\n    fees { amount amountMinor currency }\n    net { amount amountMinor currency }\n  }\n": typeof types.DashboardTotalsFragmentDoc,
    "\n  query DashboardOverview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies {\n        currency\n        today { ...DashboardTotals }\n        yesterday { ...DashboardTotals }\n      }\n    }\n  }\n": typeof types.DashboardOverviewDocument,
    "\n  query DashboardBreakdown($merchantId: ID, $from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity!, $days: Int!) {\n    paymentActivity(merchantId: $merchantId, from: $from, to: $to, granularity: $granularity) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount currency } }\n    }\n    paymentMethods(merchantId: $merchantId, days: $days) {\n      paymentMethod currency transactions succeeded successRate share gross { amount currency }\n    }\n    topProducts(merchantId: $merchantId, days: $days, limit: 6) {\n      productId productName sold revenue { amount currency }\n    }\n  }\n": typeof types.DashboardBreakdownDocument,
    "\n  fragment FeedEvent on PaymentEvent {\n    cursor eventId type provider paymentMethod currency customerId productName reference occurredAt\n    amount { amount amountMinor currency }\n  }\n": typeof types.FeedEventFragmentDoc,
    "\n  query DashboardRecentEvents($filter: PaymentEventFilter, $first: Int!) {\n    paymentEvents(filter: $filter, first: $first) {\n      edges { node { ...FeedEvent } }\n    }\n  }\n": typeof types.DashboardRecentEventsDocument,
    "\n  subscription DashboardLiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...FeedEvent }\n  }\n": typeof types.DashboardLiveEventsDocument,
    "\n  subscription DashboardLiveTotals($merchantId: ID) {\n    dashboardUpdated(merchantId: $merchantId) {\n      day at\n      today { ...DashboardTotals }\n    }\n  }\n": typeof types.DashboardLiveTotalsDocument,
};
const documents: Documents = {
    "\n  query DashboardViewer($merchantId: ID) {\n    me { kind role subject merchantId expiresAt }\n    merchant(id: $merchantId) { id name timezone defaultCurrency }\n  }\n": types.DashboardViewerDocument,
    "\n  fragment DashboardTotals on AnalyticsTotals {\n    currency transactions succeeded failed refunded successRate\n    gross { amount amountMinor currency }\n    fees { amount amountMinor currency }\n    net { amount amountMinor currency }\n  }\n": types.DashboardTotalsFragmentDoc,
    "\n  query DashboardOverview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies {\n        currency\n        today { ...DashboardTotals }\n        yesterday { ...DashboardTotals }\n      }\n    }\n  }\n": types.DashboardOverviewDocument,
    "\n  query DashboardBreakdown($merchantId: ID, $from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity!, $days: Int!) {\n    paymentActivity(merchantId: $merchantId, from: $from, to: $to, granularity: $granularity) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount currency } }\n    }\n    paymentMethods(merchantId: $merchantId, days: $days) {\n      paymentMethod currency transactions succeeded successRate share gross { amount currency }\n    }\n    topProducts(merchantId: $merchantId, days: $days, limit: 6) {\n      productId productName sold revenue { amount currency }\n    }\n  }\n": types.DashboardBreakdownDocument,
    "\n  fragment FeedEvent on PaymentEvent {\n    cursor eventId type provider paymentMethod currency customerId productName reference occurredAt\n    amount { amount amountMinor currency }\n  }\n": types.FeedEventFragmentDoc,
    "\n  query DashboardRecentEvents($filter: PaymentEventFilter, $first: Int!) {\n    paymentEvents(filter: $filter, first: $first) {\n      edges { node { ...FeedEvent } }\n    }\n  }\n": types.DashboardRecentEventsDocument,
    "\n  subscription DashboardLiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...FeedEvent }\n  }\n": types.DashboardLiveEventsDocument,
    "\n  subscription DashboardLiveTotals($merchantId: ID) {\n    dashboardUpdated(merchantId: $merchantId) {\n      day at\n      today { ...DashboardTotals }\n    }\n  }\n": types.DashboardLiveTotalsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardViewer($merchantId: ID) {\n    me { kind role subject merchantId expiresAt }\n    merchant(id: $merchantId) { id name timezone defaultCurrency }\n  }\n"): typeof import('./graphql.js').DashboardViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DashboardTotals on AnalyticsTotals {\n    currency transactions succeeded failed refunded successRate\n    gross { amount amountMinor currency }\n    fees { amount amountMinor currency }\n    net { amount amountMinor currency }\n  }\n"): typeof import('./graphql.js').DashboardTotalsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardOverview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies {\n        currency\n        today { ...DashboardTotals }\n        yesterday { ...DashboardTotals }\n      }\n    }\n  }\n"): typeof import('./graphql.js').DashboardOverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardBreakdown($merchantId: ID, $from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity!, $days: Int!) {\n    paymentActivity(merchantId: $merchantId, from: $from, to: $to, granularity: $granularity) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount currency } }\n    }\n    paymentMethods(merchantId: $merchantId, days: $days) {\n      paymentMethod currency transactions succeeded successRate share gross { amount currency }\n    }\n    topProducts(merchantId: $merchantId, days: $days, limit: 6) {\n      productId productName sold revenue { amount currency }\n    }\n  }\n"): typeof import('./graphql.js').DashboardBreakdownDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment FeedEvent on PaymentEvent {\n    cursor eventId type provider paymentMethod currency customerId productName reference occurredAt\n    amount { amount amountMinor currency }\n  }\n"): typeof import('./graphql.js').FeedEventFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardRecentEvents($filter: PaymentEventFilter, $first: Int!) {\n    paymentEvents(filter: $filter, first: $first) {\n      edges { node { ...FeedEvent } }\n    }\n  }\n"): typeof import('./graphql.js').DashboardRecentEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DashboardLiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...FeedEvent }\n  }\n"): typeof import('./graphql.js').DashboardLiveEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DashboardLiveTotals($merchantId: ID) {\n    dashboardUpdated(merchantId: $merchantId) {\n      day at\n      today { ...DashboardTotals }\n    }\n  }\n"): typeof import('./graphql.js').DashboardLiveTotalsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
