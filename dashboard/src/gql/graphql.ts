/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ActivityGranularity =
  /** UTC hours (at most 744 per call). */
  | 'HOUR'
  /** UTC minutes (at most 1440 per call). */
  | 'MINUTE';

/** Empty or missing lists mean "any"; values in one list are alternatives; fields combine with AND. */
export type PaymentEventFilter = {
  currencies?: Array<string> | null | undefined;
  customerId?: string | null | undefined;
  /** Admins: the merchant to read. Others: must be their own (anything else is FORBIDDEN). */
  merchantId?: string | number | null | undefined;
  minAmountMinor?: string | number | null | undefined;
  paymentMethods?: Array<PaymentMethod> | null | undefined;
  providers?: Array<string> | null | undefined;
  reference?: string | null | undefined;
  types?: Array<PaymentEventType> | null | undefined;
};

export type PaymentEventType =
  /** payment.completed */
  | 'PAYMENT_COMPLETED'
  /** payment.failed */
  | 'PAYMENT_FAILED'
  /** payment.initiated */
  | 'PAYMENT_INITIATED'
  /** payment.pending */
  | 'PAYMENT_PENDING'
  /** payment.processing */
  | 'PAYMENT_PROCESSING'
  /** payment.refunded */
  | 'PAYMENT_REFUNDED'
  /** refund.processed */
  | 'REFUND_PROCESSED'
  /** transfer.failed */
  | 'TRANSFER_FAILED'
  /** transfer.success */
  | 'TRANSFER_SUCCESS';

export type PaymentMethod =
  /** bank_transfer */
  | 'BANK_TRANSFER'
  /** card */
  | 'CARD'
  /** mobile_money */
  | 'MOBILE_MONEY'
  /** qr */
  | 'QR'
  /** ussd */
  | 'USSD'
  /** wallet */
  | 'WALLET';

export type Role =
  | 'ADMIN'
  | 'CUSTOMER'
  | 'MERCHANT'
  | 'VENDOR';

export type DashboardViewerQueryVariables = Exact<{
  merchantId?: string | number | null | undefined;
}>;


export type DashboardViewerQuery = { me: { kind: string, role: Role, subject: string, merchantId: string | null, expiresAt: string | null }, merchant: { id: string, name: string, timezone: string, defaultCurrency: string } };

export type DashboardTotalsFragment = { currency: string, transactions: number, succeeded: number, failed: number, refunded: number, successRate: number | null, gross: { amount: string, amountMinor: string, currency: string }, fees: { amount: string, amountMinor: string, currency: string }, net: { amount: string, amountMinor: string, currency: string } };

export type DashboardOverviewQueryVariables = Exact<{
  merchantId?: string | number | null | undefined;
}>;


export type DashboardOverviewQuery = { dashboardOverview: { merchantId: string, timezone: string, today: string, currencies: Array<{ currency: string, today: { currency: string, transactions: number, succeeded: number, failed: number, refunded: number, successRate: number | null, gross: { amount: string, amountMinor: string, currency: string }, fees: { amount: string, amountMinor: string, currency: string }, net: { amount: string, amountMinor: string, currency: string } }, yesterday: { currency: string, transactions: number, succeeded: number, failed: number, refunded: number, successRate: number | null, gross: { amount: string, amountMinor: string, currency: string }, fees: { amount: string, amountMinor: string, currency: string }, net: { amount: string, amountMinor: string, currency: string } } }> } };

export type DashboardBreakdownQueryVariables = Exact<{
  merchantId?: string | number | null | undefined;
  from: string;
  to: string;
  granularity: ActivityGranularity;
  days: number;
}>;


export type DashboardBreakdownQuery = { paymentActivity: { buckets: Array<{ start: string, events: number, completed: number, failed: number }>, providers: Array<{ provider: string, events: number, completed: number, failed: number, completedAmount: Array<{ amount: string, currency: string }> }> }, paymentMethods: Array<{ paymentMethod: string, currency: string, transactions: number, succeeded: number, successRate: number | null, share: number | null, gross: { amount: string, currency: string } }>, topProducts: Array<{ productId: string, productName: string | null, sold: number, revenue: { amount: string, currency: string } }> };

export type FeedEventFragment = { cursor: string, eventId: string, type: PaymentEventType, provider: string, paymentMethod: PaymentMethod | null, currency: string, customerId: string | null, productName: string | null, reference: string | null, occurredAt: string, amount: { amount: string, amountMinor: string, currency: string } };

export type DashboardRecentEventsQueryVariables = Exact<{
  filter?: PaymentEventFilter | null | undefined;
  first: number;
}>;


export type DashboardRecentEventsQuery = { paymentEvents: { edges: Array<{ node: { cursor: string, eventId: string, type: PaymentEventType, provider: string, paymentMethod: PaymentMethod | null, currency: string, customerId: string | null, productName: string | null, reference: string | null, occurredAt: string, amount: { amount: string, amountMinor: string, currency: string } } }> } };

export type DashboardLiveEventsSubscriptionVariables = Exact<{
  filter?: PaymentEventFilter | null | undefined;
  after?: string | null | undefined;
}>;


export type DashboardLiveEventsSubscription = { paymentEvents: { cursor: string, eventId: string, type: PaymentEventType, provider: string, paymentMethod: PaymentMethod | null, currency: string, customerId: string | null, productName: string | null, reference: string | null, occurredAt: string, amount: { amount: string, amountMinor: string, currency: string } } };

export type DashboardLiveTotalsSubscriptionVariables = Exact<{
  merchantId?: string | number | null | undefined;
}>;


export type DashboardLiveTotalsSubscription = { dashboardUpdated: { day: string, at: string, today: Array<{ currency: string, transactions: number, succeeded: number, failed: number, refunded: number, successRate: number | null, gross: { amount: string, amountMinor: string, currency: string }, fees: { amount: string, amountMinor: string, currency: string }, net: { amount: string, amountMinor: string, currency: string } }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const DashboardTotalsFragmentDoc = new TypedDocumentString(`
    fragment DashboardTotals on AnalyticsTotals {
  currency
  transactions
  succeeded
  failed
  refunded
  successRate
  gross {
    amount
    amountMinor
    currency
  }
  fees {
    amount
    amountMinor
    currency
  }
  net {
    amount
    amountMinor
    currency
  }
}
    `, {"fragmentName":"DashboardTotals"}) as unknown as TypedDocumentString<DashboardTotalsFragment, unknown>;
export const FeedEventFragmentDoc = new TypedDocumentString(`
    fragment FeedEvent on PaymentEvent {
  cursor
  eventId
  type
  provider
  paymentMethod
  currency
  customerId
  productName
  reference
  occurredAt
  amount {
    amount
    amountMinor
    currency
  }
}
    `, {"fragmentName":"FeedEvent"}) as unknown as TypedDocumentString<FeedEventFragment, unknown>;
export const DashboardViewerDocument = new TypedDocumentString(`
    query DashboardViewer($merchantId: ID) {
  me {
    kind
    role
    subject
    merchantId
    expiresAt
  }
  merchant(id: $merchantId) {
    id
    name
    timezone
    defaultCurrency
  }
}
    `) as unknown as TypedDocumentString<DashboardViewerQuery, DashboardViewerQueryVariables>;
export const DashboardOverviewDocument = new TypedDocumentString(`
    query DashboardOverview($merchantId: ID) {
  dashboardOverview(merchantId: $merchantId) {
    merchantId
    timezone
    today
    currencies {
      currency
      today {
        ...DashboardTotals
      }
      yesterday {
        ...DashboardTotals
      }
    }
  }
}
    fragment DashboardTotals on AnalyticsTotals {
  currency
  transactions
  succeeded
  failed
  refunded
  successRate
  gross {
    amount
    amountMinor
    currency
  }
  fees {
    amount
    amountMinor
    currency
  }
  net {
    amount
    amountMinor
    currency
  }
}`) as unknown as TypedDocumentString<DashboardOverviewQuery, DashboardOverviewQueryVariables>;
export const DashboardBreakdownDocument = new TypedDocumentString(`
    query DashboardBreakdown($merchantId: ID, $from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity!, $days: Int!) {
  paymentActivity(
    merchantId: $merchantId
    from: $from
    to: $to
    granularity: $granularity
  ) {
    buckets {
      start
      events
      completed
      failed
    }
    providers {
      provider
      events
      completed
      failed
      completedAmount {
        amount
        currency
      }
    }
  }
  paymentMethods(merchantId: $merchantId, days: $days) {
    paymentMethod
    currency
    transactions
    succeeded
    successRate
    share
    gross {
      amount
      currency
    }
  }
  topProducts(merchantId: $merchantId, days: $days, limit: 6) {
    productId
    productName
    sold
    revenue {
      amount
      currency
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardBreakdownQuery, DashboardBreakdownQueryVariables>;
export const DashboardRecentEventsDocument = new TypedDocumentString(`
    query DashboardRecentEvents($filter: PaymentEventFilter, $first: Int!) {
  paymentEvents(filter: $filter, first: $first) {
    edges {
      node {
        ...FeedEvent
      }
    }
  }
}
    fragment FeedEvent on PaymentEvent {
  cursor
  eventId
  type
  provider
  paymentMethod
  currency
  customerId
  productName
  reference
  occurredAt
  amount {
    amount
    amountMinor
    currency
  }
}`) as unknown as TypedDocumentString<DashboardRecentEventsQuery, DashboardRecentEventsQueryVariables>;
export const DashboardLiveEventsDocument = new TypedDocumentString(`
    subscription DashboardLiveEvents($filter: PaymentEventFilter, $after: String) {
  paymentEvents(filter: $filter, after: $after) {
    ...FeedEvent
  }
}
    fragment FeedEvent on PaymentEvent {
  cursor
  eventId
  type
  provider
  paymentMethod
  currency
  customerId
  productName
  reference
  occurredAt
  amount {
    amount
    amountMinor
    currency
  }
}`) as unknown as TypedDocumentString<DashboardLiveEventsSubscription, DashboardLiveEventsSubscriptionVariables>;
export const DashboardLiveTotalsDocument = new TypedDocumentString(`
    subscription DashboardLiveTotals($merchantId: ID) {
  dashboardUpdated(merchantId: $merchantId) {
    day
    at
    today {
      ...DashboardTotals
    }
  }
}
    fragment DashboardTotals on AnalyticsTotals {
  currency
  transactions
  succeeded
  failed
  refunded
  successRate
  gross {
    amount
    amountMinor
    currency
  }
  fees {
    amount
    amountMinor
    currency
  }
  net {
    amount
    amountMinor
    currency
  }
}`) as unknown as TypedDocumentString<DashboardLiveTotalsSubscription, DashboardLiveTotalsSubscriptionVariables>;