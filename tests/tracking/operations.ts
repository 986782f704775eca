import { graphql } from '../generated/gql.js';

export const PaymentStatus = graphql(`
  query PaymentStatus($reference: String!, $merchantId: ID) {
    paymentStatus(reference: $reference, merchantId: $merchantId) {
      reference merchantId kind status final provider updatedAt
      amount { amountMinor currency }
      history { status eventId type at cursor }
    }
  }
`);

export const TransferStatus = graphql(`
  query TransferStatus($reference: String!, $merchantId: ID) {
    transferStatus(reference: $reference, merchantId: $merchantId) { reference kind status final history { status eventId } }
  }
`);

export const PaymentTracking = graphql(`
  subscription PaymentTracking($reference: String!, $merchantId: ID) {
    paymentTracking(reference: $reference, merchantId: $merchantId) { reference status final history { status eventId } }
  }
`);

export const TransferTracking = graphql(`
  subscription TransferTracking($reference: String!, $merchantId: ID) {
    transferTracking(reference: $reference, merchantId: $merchantId) { reference status final }
  }
`);
