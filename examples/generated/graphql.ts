/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type IngestStatus =
  /** Valid and acknowledged by Kafka; the consumer stores it (a repeat is then dropped as a duplicate). */
  | 'ACCEPTED'
  /** Already stored under this eventId; nothing changed. */
  | 'DUPLICATE'
  /** Stored now. */
  | 'INGESTED'
  /** Invalid; see the errors. Nothing was stored. */
  | 'REJECTED';

/** A payment event (envelope version 2). Amounts are integer minor units. */
export type PaymentEventInput = {
  amountMinor: string | number;
  /** ISO 4217 code. */
  currency: string;
  customerId?: string | null | undefined;
  /** Idempotency key, unique per merchant (1-128 printable characters). */
  eventId: string;
  feeMinor?: string | number | null | undefined;
  /** Defaults to the caller's merchant; admins must set it. */
  merchantId?: string | number | null | undefined;
  metadata?: unknown;
  /** Defaults to the time it is received. */
  occurredAt?: string | null | undefined;
  orderId?: string | null | undefined;
  paymentMethod?: PaymentMethod | null | undefined;
  productId?: string | null | undefined;
  productName?: string | null | undefined;
  /** Lower-case provider name: mpesa, paystack, flutterwave, mtn_momo, … */
  provider: string;
  /** Provider's reference, for tracking. */
  reference?: string | null | undefined;
  type: PaymentEventType;
  walletId?: string | null | undefined;
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

export type TypedLatestQueryVariables = Exact<{ [key: string]: never; }>;


export type TypedLatestQuery = { paymentEvents: { edges: Array<{ cursor: string }> } };

export type TypedFeedSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type TypedFeedSubscription = { paymentEvents: { id: string, cursor: string, eventId: string, amount: { amountMinor: string, amount: string, currency: string } } };

export type TypedIngestMutationVariables = Exact<{
  event: PaymentEventInput;
}>;


export type TypedIngestMutation = { ingestPaymentEvent: { status: IngestStatus, event: { id: string, eventId: string } | null } };

export type TypedNodeQueryVariables = Exact<{
  id: string | number;
}>;


export type TypedNodeQuery = { node:
    | { id: string }
    | { id: string }
    | { eventId: string, id: string, amount: { amountMinor: string } }
    | { id: string }
   | null };


export const TypedLatestDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TypedLatest"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}}]}}]}}]}}]} as unknown as DocumentNode<TypedLatestQuery, TypedLatestQueryVariables>;
export const TypedFeedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"TypedFeed"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"types"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"PAYMENT_COMPLETED"}]}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]} as unknown as DocumentNode<TypedFeedSubscription, TypedFeedSubscriptionVariables>;
export const TypedIngestDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TypedIngest"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"event"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PaymentEventInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ingestPaymentEvent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"event"},"value":{"kind":"Variable","name":{"kind":"Name","value":"event"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"event"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"eventId"}}]}}]}}]}}]} as unknown as DocumentNode<TypedIngestMutation, TypedIngestMutationVariables>;
export const TypedNodeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TypedNode"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PaymentEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<TypedNodeQuery, TypedNodeQueryVariables>;