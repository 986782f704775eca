/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "\n  query TypedLatest {\n    paymentEvents(first: 1) { edges { cursor } }\n  }\n": typeof types.TypedLatestDocument,
    "\n  subscription TypedFeed($after: String) {\n    paymentEvents(after: $after, filter: { types: [PAYMENT_COMPLETED] }) { id cursor eventId amount { amountMinor amount currency } }\n  }\n": typeof types.TypedFeedDocument,
    "\n  mutation TypedIngest($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) { status event { id eventId } }\n  }\n": typeof types.TypedIngestDocument,
    "\n  query TypedNode($id: ID!) {\n    node(id: $id) { id ... on PaymentEvent { eventId amount { amountMinor } } }\n  }\n": typeof types.TypedNodeDocument,
};
const documents: Documents = {
    "\n  query TypedLatest {\n    paymentEvents(first: 1) { edges { cursor } }\n  }\n": types.TypedLatestDocument,
    "\n  subscription TypedFeed($after: String) {\n    paymentEvents(after: $after, filter: { types: [PAYMENT_COMPLETED] }) { id cursor eventId amount { amountMinor amount currency } }\n  }\n": types.TypedFeedDocument,
    "\n  mutation TypedIngest($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) { status event { id eventId } }\n  }\n": types.TypedIngestDocument,
    "\n  query TypedNode($id: ID!) {\n    node(id: $id) { id ... on PaymentEvent { eventId amount { amountMinor } } }\n  }\n": types.TypedNodeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TypedLatest {\n    paymentEvents(first: 1) { edges { cursor } }\n  }\n"): (typeof documents)["\n  query TypedLatest {\n    paymentEvents(first: 1) { edges { cursor } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TypedFeed($after: String) {\n    paymentEvents(after: $after, filter: { types: [PAYMENT_COMPLETED] }) { id cursor eventId amount { amountMinor amount currency } }\n  }\n"): (typeof documents)["\n  subscription TypedFeed($after: String) {\n    paymentEvents(after: $after, filter: { types: [PAYMENT_COMPLETED] }) { id cursor eventId amount { amountMinor amount currency } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TypedIngest($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) { status event { id eventId } }\n  }\n"): (typeof documents)["\n  mutation TypedIngest($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) { status event { id eventId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TypedNode($id: ID!) {\n    node(id: $id) { id ... on PaymentEvent { eventId amount { amountMinor } } }\n  }\n"): (typeof documents)["\n  query TypedNode($id: ID!) {\n    node(id: $id) { id ... on PaymentEvent { eventId amount { amountMinor } } }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;