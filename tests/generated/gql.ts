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
    "\n  fragment TotalsFields on AnalyticsTotals {\n    currency transactions succeeded failed refunded newCustomers successRate\n    gross { amountMinor } fees { amountMinor } refundedAmount { amountMinor } net { amountMinor amount }\n  }\n": typeof types.TotalsFieldsFragmentDoc,
    "\n  query Overview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies { currency today { ...TotalsFields } yesterday { ...TotalsFields } thisMonth { ...TotalsFields } growth { transactions gross net } }\n    }\n  }\n": typeof types.OverviewDocument,
    "\n  query Buckets($from: DateTime!, $to: DateTime!, $granularity: Granularity) {\n    analytics(from: $from, to: $to, granularity: $granularity) { bucket totals { ...TotalsFields } }\n  }\n": typeof types.BucketsDocument,
    "\n  query Methods($days: Int) {\n    paymentMethods(days: $days) { paymentMethod currency transactions succeeded successRate share gross { amountMinor } }\n  }\n": typeof types.MethodsDocument,
    "\n  query Products($days: Int, $limit: Int, $currency: String) {\n    topProducts(days: $days, limit: $limit, currency: $currency) { productId productName sold revenue { amountMinor currency } }\n  }\n": typeof types.ProductsDocument,
    "\n  query Customers($limit: Int) {\n    customers(limit: $limit) { customers returning newToday currency topSpenders { customerId transactions succeeded spent { amountMinor } } }\n  }\n": typeof types.CustomersDocument,
    "\n  subscription DashboardLive {\n    dashboardUpdated { merchantId day today { currency transactions gross { amountMinor } } }\n  }\n": typeof types.DashboardLiveDocument,
    "\n  mutation Broadcast($audience: AnnouncementAudience!, $role: Role, $merchantId: ID, $severity: AnnouncementSeverity, $title: String!, $body: String!) {\n    broadcastAnnouncement(audience: $audience, role: $role, merchantId: $merchantId, severity: $severity, title: $title, body: $body) {\n      id audience role merchantId severity title body createdAt\n    }\n  }\n": typeof types.BroadcastDocument,
    "\n  subscription Announcements {\n    announcements { id audience role merchantId severity title body }\n  }\n": typeof types.AnnouncementsDocument,
    "\n  query AuditTrail($merchantId: ID, $filter: AuditFilter, $first: Int, $after: String) {\n    auditTrail(merchantId: $merchantId, filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          kind at actor actorKind cause eventId walletId orderId version fromStatus toStatus\n          availableDelta { amountMinor currency }\n          available { amountMinor currency }\n          pending { amountMinor currency }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.AuditTrailDocument,
    "\n  query DashboardTestEvents($filter: PaymentEventFilter, $first: Int, $after: String) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: ASC) {\n      edges {\n        node {\n          cursor eventId type provider paymentMethod currency customerId productId productName orderId walletId reference\n          occurredAt receivedAt source\n          amount { amount amountMinor }\n          fee { amount amountMinor }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.DashboardTestEventsDocument,
    "\n  query DashboardTestActivity($from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity, $merchantId: ID) {\n    paymentActivity(from: $from, to: $to, granularity: $granularity, merchantId: $merchantId) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount amountMinor currency } }\n    }\n  }\n": typeof types.DashboardTestActivityDocument,
    "\n  fragment NotificationFields on Notification {\n    id: notificationId type priority title body data merchantId read readAt createdAt cursor\n    deliveries { channel status attempts lastError providerMessageId sentAt }\n  }\n": typeof types.NotificationFieldsFragmentDoc,
    "\n  query Notifications($first: Int, $after: String, $unreadOnly: Boolean) {\n    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      edges { cursor node { ...NotificationFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n    unreadNotificationCount\n  }\n": typeof types.NotificationsDocument,
    "\n  query UnreadCount {\n    unreadNotificationCount\n  }\n": typeof types.UnreadCountDocument,
    "\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all) { marked unreadCount }\n  }\n": typeof types.MarkReadDocument,
    "\n  mutation RegisterDevice($token: String!, $platform: DevicePlatform!) {\n    registerDeviceToken(token: $token, platform: $platform) { devices }\n  }\n": typeof types.RegisterDeviceDocument,
    "\n  mutation UnregisterDevice($token: String!) {\n    unregisterDeviceToken(token: $token)\n  }\n": typeof types.UnregisterDeviceDocument,
    "\n  mutation UpdatePreferences($preferences: [NotificationPreferenceInput!]!) {\n    updateNotificationPreferences(preferences: $preferences) { type push email sms }\n  }\n": typeof types.UpdatePreferencesDocument,
    "\n  query Preferences {\n    notificationPreferences { type push email sms }\n    notificationContact { email emailVerified phone phoneVerified devices }\n  }\n": typeof types.PreferencesDocument,
    "\n  mutation RequestVerification($channel: ContactChannel!, $address: String!) {\n    requestContactVerification(channel: $channel, address: $address) { expiresAt devCode }\n  }\n": typeof types.RequestVerificationDocument,
    "\n  mutation VerifyContact($channel: ContactChannel!, $code: String!) {\n    verifyContact(channel: $channel, code: $code) { email emailVerified phone phoneVerified devices }\n  }\n": typeof types.VerifyContactDocument,
    "\n  subscription NotificationAdded($after: String) {\n    notificationAdded(after: $after) { ...NotificationFields }\n  }\n": typeof types.NotificationAddedDocument,
    "\n  fragment OrderFields on Order {\n    id: orderId merchantId vendorId customerId currency status estimatedReadyAt version\n    amount { amountMinor currency amount }\n    items { name quantity unitPrice { amountMinor } total { amountMinor } }\n  }\n": typeof types.OrderFieldsFragmentDoc,
    "\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) { ...OrderFields }\n  }\n": typeof types.CreateOrderDocument,
    "\n  mutation UpdateOrderStatus($orderId: ID!, $status: OrderStatus!, $estimatedReadyAt: DateTime, $reason: String) {\n    updateOrderStatus(orderId: $orderId, status: $status, estimatedReadyAt: $estimatedReadyAt, reason: $reason) { ...OrderFields }\n  }\n": typeof types.UpdateOrderStatusDocument,
    "\n  query OrderQuery($id: ID!) {\n    order(id: $id) {\n      ...OrderFields\n      history { from to actor reason version }\n    }\n  }\n": typeof types.OrderQueryDocument,
    "\n  query OrdersQuery($status: OrderStatus, $merchantId: ID, $first: Int, $after: String) {\n    orders(status: $status, merchantId: $merchantId, first: $first, after: $after) {\n      edges { cursor node { id: orderId status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.OrdersQueryDocument,
    "\n  subscription OrderStatusSub($orderId: ID!) {\n    orderStatus(orderId: $orderId) { id: orderId status version estimatedReadyAt }\n  }\n": typeof types.OrderStatusSubDocument,
    "\n  subscription OrderUpdatesSub($merchantId: ID) {\n    orderUpdates(merchantId: $merchantId) { id: orderId status version merchantId }\n  }\n": typeof types.OrderUpdatesSubDocument,
    "\n  subscription PresenceSub($userIds: [ID!]!) {\n    presence(userIds: $userIds) { userId status lastSeenAt }\n  }\n": typeof types.PresenceSubDocument,
    "\n  query ConnectionStatsQuery {\n    connectionStats { sockets subscriptions instance { instance sockets users subscriptions } instances { instance sockets users subscriptions } }\n  }\n": typeof types.ConnectionStatsQueryDocument,
    "\n  mutation RevokeSessions($userId: ID!) {\n    revokeSessions(userId: $userId)\n  }\n": typeof types.RevokeSessionsDocument,
    "\n  fragment PaymentEventFields on PaymentEvent {\n    id\n    cursor\n    merchantSeq\n    eventId\n    merchantId\n    schemaVersion\n    type\n    provider\n    paymentMethod\n    amount { amountMinor currency amount }\n    fee { amountMinor currency amount }\n    customerId\n    reference\n    occurredAt\n    source\n    metadata\n  }\n": typeof types.PaymentEventFieldsFragmentDoc,
    "\n  mutation IngestOne($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) {\n      status\n      duplicate\n      event { ...PaymentEventFields }\n    }\n  }\n": typeof types.IngestOneDocument,
    "\n  mutation IngestMany($events: [PaymentEventInput!]!) {\n    ingestPaymentEvents(events: $events) {\n      ingested\n      duplicates\n      rejected\n      errors { index field code message }\n      results { index status event { eventId cursor } }\n    }\n  }\n": typeof types.IngestManyDocument,
    "\n  mutation IngestEnvelopes($envelopes: [JSON!]!) {\n    ingestEnvelopes(envelopes: $envelopes) {\n      ingested\n      duplicates\n      accepted\n      rejected\n      errors { index field code message }\n      results { index status event { eventId schemaVersion type amount { amountMinor currency amount } } }\n    }\n  }\n": typeof types.IngestEnvelopesDocument,
    "\n  query ListEvents($filter: PaymentEventFilter, $first: Int, $after: String, $order: SortOrder) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { ...PaymentEventFields } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.ListEventsDocument,
    "\n  subscription LiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...PaymentEventFields }\n  }\n": typeof types.LiveEventsDocument,
    "\n  query Me {\n    me { subject kind role merchantId expiresAt }\n  }\n": typeof types.MeDocument,
    "\n  query MerchantQuery($id: ID) {\n    merchant(id: $id) { id name timezone defaultCurrency }\n  }\n": typeof types.MerchantQueryDocument,
    "\n  mutation CreateMerchant($id: ID, $name: String!, $timezone: String, $defaultCurrency: String) {\n    createMerchant(id: $id, name: $name, timezone: $timezone, defaultCurrency: $defaultCurrency) { id name timezone defaultCurrency }\n  }\n": typeof types.CreateMerchantDocument,
    "\n  mutation CreateApiKey($name: String!, $expiresAt: DateTime, $merchantId: ID) {\n    createApiKey(name: $name, expiresAt: $expiresAt, merchantId: $merchantId) {\n      secret\n      apiKey { id prefix merchantId expiresAt revokedAt lastUsedAt }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query ApiKeys {\n    apiKeys { id name prefix revokedAt lastUsedAt }\n  }\n": typeof types.ApiKeysDocument,
    "\n  query PaymentStatus($reference: String!, $merchantId: ID) {\n    paymentStatus(reference: $reference, merchantId: $merchantId) {\n      reference merchantId kind status final provider updatedAt\n      amount { amountMinor currency }\n      history { status eventId type at cursor }\n    }\n  }\n": typeof types.PaymentStatusDocument,
    "\n  query TransferStatus($reference: String!, $merchantId: ID) {\n    transferStatus(reference: $reference, merchantId: $merchantId) { reference kind status final history { status eventId } }\n  }\n": typeof types.TransferStatusDocument,
    "\n  subscription PaymentTracking($reference: String!, $merchantId: ID) {\n    paymentTracking(reference: $reference, merchantId: $merchantId) { reference status final history { status eventId } }\n  }\n": typeof types.PaymentTrackingDocument,
    "\n  subscription TransferTracking($reference: String!, $merchantId: ID) {\n    transferTracking(reference: $reference, merchantId: $merchantId) { reference status final }\n  }\n": typeof types.TransferTrackingDocument,
    "\n  fragment WalletFields on Wallet {\n    id: walletId ownerId merchantId currency version overdrawn\n    available { amountMinor currency amount }\n    pending { amountMinor currency amount }\n  }\n": typeof types.WalletFieldsFragmentDoc,
    "\n  query WalletQuery($id: ID!, $merchantId: ID) {\n    wallet(id: $id, merchantId: $merchantId) { ...WalletFields }\n  }\n": typeof types.WalletQueryDocument,
    "\n  query MyWallets {\n    myWallets { ...WalletFields }\n  }\n": typeof types.MyWalletsDocument,
    "\n  query WalletLedger($walletId: ID!, $merchantId: ID, $first: Int, $after: String) {\n    walletLedger(walletId: $walletId, merchantId: $merchantId, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id version reason actor merchantId eventId eventType paymentKey createdAt\n          availableDelta { amountMinor } pendingDelta { amountMinor }\n          available { amountMinor } pending { amountMinor }\n        }\n      }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.WalletLedgerDocument,
    "\n  subscription Balance($walletId: ID!, $merchantId: ID) {\n    balance(walletId: $walletId, merchantId: $merchantId) {\n      walletId merchantId currency version reason eventId at\n      available { amountMinor currency amount }\n      pending { amountMinor currency amount }\n    }\n  }\n": typeof types.BalanceDocument,
    "\n  mutation SetSecret($provider: String!, $secret: String) {\n    setProviderWebhookSecret(provider: $provider, secret: $secret) { merchantId provider path generatedSecret updatedBy }\n  }\n": typeof types.SetSecretDocument,
    "\n  mutation Hook($provider: String!, $merchantId: ID!, $webhookId: String!, $webhookTimestamp: String!, $payload: String!, $signature: String!) {\n    providerWebhook(provider: $provider, merchantId: $merchantId, webhookId: $webhookId, webhookTimestamp: $webhookTimestamp, payload: $payload, signature: $signature) {\n      status eventId event { eventId merchantId provider source amount { amountMinor currency } reference }\n    }\n  }\n": typeof types.HookDocument,
};
const documents: Documents = {
    "\n  fragment TotalsFields on AnalyticsTotals {\n    currency transactions succeeded failed refunded newCustomers successRate\n    gross { amountMinor } fees { amountMinor } refundedAmount { amountMinor } net { amountMinor amount }\n  }\n": types.TotalsFieldsFragmentDoc,
    "\n  query Overview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies { currency today { ...TotalsFields } yesterday { ...TotalsFields } thisMonth { ...TotalsFields } growth { transactions gross net } }\n    }\n  }\n": types.OverviewDocument,
    "\n  query Buckets($from: DateTime!, $to: DateTime!, $granularity: Granularity) {\n    analytics(from: $from, to: $to, granularity: $granularity) { bucket totals { ...TotalsFields } }\n  }\n": types.BucketsDocument,
    "\n  query Methods($days: Int) {\n    paymentMethods(days: $days) { paymentMethod currency transactions succeeded successRate share gross { amountMinor } }\n  }\n": types.MethodsDocument,
    "\n  query Products($days: Int, $limit: Int, $currency: String) {\n    topProducts(days: $days, limit: $limit, currency: $currency) { productId productName sold revenue { amountMinor currency } }\n  }\n": types.ProductsDocument,
    "\n  query Customers($limit: Int) {\n    customers(limit: $limit) { customers returning newToday currency topSpenders { customerId transactions succeeded spent { amountMinor } } }\n  }\n": types.CustomersDocument,
    "\n  subscription DashboardLive {\n    dashboardUpdated { merchantId day today { currency transactions gross { amountMinor } } }\n  }\n": types.DashboardLiveDocument,
    "\n  mutation Broadcast($audience: AnnouncementAudience!, $role: Role, $merchantId: ID, $severity: AnnouncementSeverity, $title: String!, $body: String!) {\n    broadcastAnnouncement(audience: $audience, role: $role, merchantId: $merchantId, severity: $severity, title: $title, body: $body) {\n      id audience role merchantId severity title body createdAt\n    }\n  }\n": types.BroadcastDocument,
    "\n  subscription Announcements {\n    announcements { id audience role merchantId severity title body }\n  }\n": types.AnnouncementsDocument,
    "\n  query AuditTrail($merchantId: ID, $filter: AuditFilter, $first: Int, $after: String) {\n    auditTrail(merchantId: $merchantId, filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          kind at actor actorKind cause eventId walletId orderId version fromStatus toStatus\n          availableDelta { amountMinor currency }\n          available { amountMinor currency }\n          pending { amountMinor currency }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.AuditTrailDocument,
    "\n  query DashboardTestEvents($filter: PaymentEventFilter, $first: Int, $after: String) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: ASC) {\n      edges {\n        node {\n          cursor eventId type provider paymentMethod currency customerId productId productName orderId walletId reference\n          occurredAt receivedAt source\n          amount { amount amountMinor }\n          fee { amount amountMinor }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.DashboardTestEventsDocument,
    "\n  query DashboardTestActivity($from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity, $merchantId: ID) {\n    paymentActivity(from: $from, to: $to, granularity: $granularity, merchantId: $merchantId) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount amountMinor currency } }\n    }\n  }\n": types.DashboardTestActivityDocument,
    "\n  fragment NotificationFields on Notification {\n    id: notificationId type priority title body data merchantId read readAt createdAt cursor\n    deliveries { channel status attempts lastError providerMessageId sentAt }\n  }\n": types.NotificationFieldsFragmentDoc,
    "\n  query Notifications($first: Int, $after: String, $unreadOnly: Boolean) {\n    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      edges { cursor node { ...NotificationFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n    unreadNotificationCount\n  }\n": types.NotificationsDocument,
    "\n  query UnreadCount {\n    unreadNotificationCount\n  }\n": types.UnreadCountDocument,
    "\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all) { marked unreadCount }\n  }\n": types.MarkReadDocument,
    "\n  mutation RegisterDevice($token: String!, $platform: DevicePlatform!) {\n    registerDeviceToken(token: $token, platform: $platform) { devices }\n  }\n": types.RegisterDeviceDocument,
    "\n  mutation UnregisterDevice($token: String!) {\n    unregisterDeviceToken(token: $token)\n  }\n": types.UnregisterDeviceDocument,
    "\n  mutation UpdatePreferences($preferences: [NotificationPreferenceInput!]!) {\n    updateNotificationPreferences(preferences: $preferences) { type push email sms }\n  }\n": types.UpdatePreferencesDocument,
    "\n  query Preferences {\n    notificationPreferences { type push email sms }\n    notificationContact { email emailVerified phone phoneVerified devices }\n  }\n": types.PreferencesDocument,
    "\n  mutation RequestVerification($channel: ContactChannel!, $address: String!) {\n    requestContactVerification(channel: $channel, address: $address) { expiresAt devCode }\n  }\n": types.RequestVerificationDocument,
    "\n  mutation VerifyContact($channel: ContactChannel!, $code: String!) {\n    verifyContact(channel: $channel, code: $code) { email emailVerified phone phoneVerified devices }\n  }\n": types.VerifyContactDocument,
    "\n  subscription NotificationAdded($after: String) {\n    notificationAdded(after: $after) { ...NotificationFields }\n  }\n": types.NotificationAddedDocument,
    "\n  fragment OrderFields on Order {\n    id: orderId merchantId vendorId customerId currency status estimatedReadyAt version\n    amount { amountMinor currency amount }\n    items { name quantity unitPrice { amountMinor } total { amountMinor } }\n  }\n": types.OrderFieldsFragmentDoc,
    "\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) { ...OrderFields }\n  }\n": types.CreateOrderDocument,
    "\n  mutation UpdateOrderStatus($orderId: ID!, $status: OrderStatus!, $estimatedReadyAt: DateTime, $reason: String) {\n    updateOrderStatus(orderId: $orderId, status: $status, estimatedReadyAt: $estimatedReadyAt, reason: $reason) { ...OrderFields }\n  }\n": types.UpdateOrderStatusDocument,
    "\n  query OrderQuery($id: ID!) {\n    order(id: $id) {\n      ...OrderFields\n      history { from to actor reason version }\n    }\n  }\n": types.OrderQueryDocument,
    "\n  query OrdersQuery($status: OrderStatus, $merchantId: ID, $first: Int, $after: String) {\n    orders(status: $status, merchantId: $merchantId, first: $first, after: $after) {\n      edges { cursor node { id: orderId status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.OrdersQueryDocument,
    "\n  subscription OrderStatusSub($orderId: ID!) {\n    orderStatus(orderId: $orderId) { id: orderId status version estimatedReadyAt }\n  }\n": types.OrderStatusSubDocument,
    "\n  subscription OrderUpdatesSub($merchantId: ID) {\n    orderUpdates(merchantId: $merchantId) { id: orderId status version merchantId }\n  }\n": types.OrderUpdatesSubDocument,
    "\n  subscription PresenceSub($userIds: [ID!]!) {\n    presence(userIds: $userIds) { userId status lastSeenAt }\n  }\n": types.PresenceSubDocument,
    "\n  query ConnectionStatsQuery {\n    connectionStats { sockets subscriptions instance { instance sockets users subscriptions } instances { instance sockets users subscriptions } }\n  }\n": types.ConnectionStatsQueryDocument,
    "\n  mutation RevokeSessions($userId: ID!) {\n    revokeSessions(userId: $userId)\n  }\n": types.RevokeSessionsDocument,
    "\n  fragment PaymentEventFields on PaymentEvent {\n    id\n    cursor\n    merchantSeq\n    eventId\n    merchantId\n    schemaVersion\n    type\n    provider\n    paymentMethod\n    amount { amountMinor currency amount }\n    fee { amountMinor currency amount }\n    customerId\n    reference\n    occurredAt\n    source\n    metadata\n  }\n": types.PaymentEventFieldsFragmentDoc,
    "\n  mutation IngestOne($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) {\n      status\n      duplicate\n      event { ...PaymentEventFields }\n    }\n  }\n": types.IngestOneDocument,
    "\n  mutation IngestMany($events: [PaymentEventInput!]!) {\n    ingestPaymentEvents(events: $events) {\n      ingested\n      duplicates\n      rejected\n      errors { index field code message }\n      results { index status event { eventId cursor } }\n    }\n  }\n": types.IngestManyDocument,
    "\n  mutation IngestEnvelopes($envelopes: [JSON!]!) {\n    ingestEnvelopes(envelopes: $envelopes) {\n      ingested\n      duplicates\n      accepted\n      rejected\n      errors { index field code message }\n      results { index status event { eventId schemaVersion type amount { amountMinor currency amount } } }\n    }\n  }\n": types.IngestEnvelopesDocument,
    "\n  query ListEvents($filter: PaymentEventFilter, $first: Int, $after: String, $order: SortOrder) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { ...PaymentEventFields } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.ListEventsDocument,
    "\n  subscription LiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...PaymentEventFields }\n  }\n": types.LiveEventsDocument,
    "\n  query Me {\n    me { subject kind role merchantId expiresAt }\n  }\n": types.MeDocument,
    "\n  query MerchantQuery($id: ID) {\n    merchant(id: $id) { id name timezone defaultCurrency }\n  }\n": types.MerchantQueryDocument,
    "\n  mutation CreateMerchant($id: ID, $name: String!, $timezone: String, $defaultCurrency: String) {\n    createMerchant(id: $id, name: $name, timezone: $timezone, defaultCurrency: $defaultCurrency) { id name timezone defaultCurrency }\n  }\n": types.CreateMerchantDocument,
    "\n  mutation CreateApiKey($name: String!, $expiresAt: DateTime, $merchantId: ID) {\n    createApiKey(name: $name, expiresAt: $expiresAt, merchantId: $merchantId) {\n      secret\n      apiKey { id prefix merchantId expiresAt revokedAt lastUsedAt }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query ApiKeys {\n    apiKeys { id name prefix revokedAt lastUsedAt }\n  }\n": types.ApiKeysDocument,
    "\n  query PaymentStatus($reference: String!, $merchantId: ID) {\n    paymentStatus(reference: $reference, merchantId: $merchantId) {\n      reference merchantId kind status final provider updatedAt\n      amount { amountMinor currency }\n      history { status eventId type at cursor }\n    }\n  }\n": types.PaymentStatusDocument,
    "\n  query TransferStatus($reference: String!, $merchantId: ID) {\n    transferStatus(reference: $reference, merchantId: $merchantId) { reference kind status final history { status eventId } }\n  }\n": types.TransferStatusDocument,
    "\n  subscription PaymentTracking($reference: String!, $merchantId: ID) {\n    paymentTracking(reference: $reference, merchantId: $merchantId) { reference status final history { status eventId } }\n  }\n": types.PaymentTrackingDocument,
    "\n  subscription TransferTracking($reference: String!, $merchantId: ID) {\n    transferTracking(reference: $reference, merchantId: $merchantId) { reference status final }\n  }\n": types.TransferTrackingDocument,
    "\n  fragment WalletFields on Wallet {\n    id: walletId ownerId merchantId currency version overdrawn\n    available { amountMinor currency amount }\n    pending { amountMinor currency amount }\n  }\n": types.WalletFieldsFragmentDoc,
    "\n  query WalletQuery($id: ID!, $merchantId: ID) {\n    wallet(id: $id, merchantId: $merchantId) { ...WalletFields }\n  }\n": types.WalletQueryDocument,
    "\n  query MyWallets {\n    myWallets { ...WalletFields }\n  }\n": types.MyWalletsDocument,
    "\n  query WalletLedger($walletId: ID!, $merchantId: ID, $first: Int, $after: String) {\n    walletLedger(walletId: $walletId, merchantId: $merchantId, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id version reason actor merchantId eventId eventType paymentKey createdAt\n          availableDelta { amountMinor } pendingDelta { amountMinor }\n          available { amountMinor } pending { amountMinor }\n        }\n      }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.WalletLedgerDocument,
    "\n  subscription Balance($walletId: ID!, $merchantId: ID) {\n    balance(walletId: $walletId, merchantId: $merchantId) {\n      walletId merchantId currency version reason eventId at\n      available { amountMinor currency amount }\n      pending { amountMinor currency amount }\n    }\n  }\n": types.BalanceDocument,
    "\n  mutation SetSecret($provider: String!, $secret: String) {\n    setProviderWebhookSecret(provider: $provider, secret: $secret) { merchantId provider path generatedSecret updatedBy }\n  }\n": types.SetSecretDocument,
    "\n  mutation Hook($provider: String!, $merchantId: ID!, $webhookId: String!, $webhookTimestamp: String!, $payload: String!, $signature: String!) {\n    providerWebhook(provider: $provider, merchantId: $merchantId, webhookId: $webhookId, webhookTimestamp: $webhookTimestamp, payload: $payload, signature: $signature) {\n      status eventId event { eventId merchantId provider source amount { amountMinor currency } reference }\n    }\n  }\n": types.HookDocument,
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
export function graphql(source: "\n  fragment TotalsFields on AnalyticsTotals {\n    currency transactions succeeded failed refunded newCustomers successRate\n    gross { amountMinor } fees { amountMinor } refundedAmount { amountMinor } net { amountMinor amount }\n  }\n"): (typeof documents)["\n  fragment TotalsFields on AnalyticsTotals {\n    currency transactions succeeded failed refunded newCustomers successRate\n    gross { amountMinor } fees { amountMinor } refundedAmount { amountMinor } net { amountMinor amount }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Overview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies { currency today { ...TotalsFields } yesterday { ...TotalsFields } thisMonth { ...TotalsFields } growth { transactions gross net } }\n    }\n  }\n"): (typeof documents)["\n  query Overview($merchantId: ID) {\n    dashboardOverview(merchantId: $merchantId) {\n      merchantId timezone today\n      currencies { currency today { ...TotalsFields } yesterday { ...TotalsFields } thisMonth { ...TotalsFields } growth { transactions gross net } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Buckets($from: DateTime!, $to: DateTime!, $granularity: Granularity) {\n    analytics(from: $from, to: $to, granularity: $granularity) { bucket totals { ...TotalsFields } }\n  }\n"): (typeof documents)["\n  query Buckets($from: DateTime!, $to: DateTime!, $granularity: Granularity) {\n    analytics(from: $from, to: $to, granularity: $granularity) { bucket totals { ...TotalsFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Methods($days: Int) {\n    paymentMethods(days: $days) { paymentMethod currency transactions succeeded successRate share gross { amountMinor } }\n  }\n"): (typeof documents)["\n  query Methods($days: Int) {\n    paymentMethods(days: $days) { paymentMethod currency transactions succeeded successRate share gross { amountMinor } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Products($days: Int, $limit: Int, $currency: String) {\n    topProducts(days: $days, limit: $limit, currency: $currency) { productId productName sold revenue { amountMinor currency } }\n  }\n"): (typeof documents)["\n  query Products($days: Int, $limit: Int, $currency: String) {\n    topProducts(days: $days, limit: $limit, currency: $currency) { productId productName sold revenue { amountMinor currency } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Customers($limit: Int) {\n    customers(limit: $limit) { customers returning newToday currency topSpenders { customerId transactions succeeded spent { amountMinor } } }\n  }\n"): (typeof documents)["\n  query Customers($limit: Int) {\n    customers(limit: $limit) { customers returning newToday currency topSpenders { customerId transactions succeeded spent { amountMinor } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DashboardLive {\n    dashboardUpdated { merchantId day today { currency transactions gross { amountMinor } } }\n  }\n"): (typeof documents)["\n  subscription DashboardLive {\n    dashboardUpdated { merchantId day today { currency transactions gross { amountMinor } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Broadcast($audience: AnnouncementAudience!, $role: Role, $merchantId: ID, $severity: AnnouncementSeverity, $title: String!, $body: String!) {\n    broadcastAnnouncement(audience: $audience, role: $role, merchantId: $merchantId, severity: $severity, title: $title, body: $body) {\n      id audience role merchantId severity title body createdAt\n    }\n  }\n"): (typeof documents)["\n  mutation Broadcast($audience: AnnouncementAudience!, $role: Role, $merchantId: ID, $severity: AnnouncementSeverity, $title: String!, $body: String!) {\n    broadcastAnnouncement(audience: $audience, role: $role, merchantId: $merchantId, severity: $severity, title: $title, body: $body) {\n      id audience role merchantId severity title body createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Announcements {\n    announcements { id audience role merchantId severity title body }\n  }\n"): (typeof documents)["\n  subscription Announcements {\n    announcements { id audience role merchantId severity title body }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditTrail($merchantId: ID, $filter: AuditFilter, $first: Int, $after: String) {\n    auditTrail(merchantId: $merchantId, filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          kind at actor actorKind cause eventId walletId orderId version fromStatus toStatus\n          availableDelta { amountMinor currency }\n          available { amountMinor currency }\n          pending { amountMinor currency }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query AuditTrail($merchantId: ID, $filter: AuditFilter, $first: Int, $after: String) {\n    auditTrail(merchantId: $merchantId, filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          kind at actor actorKind cause eventId walletId orderId version fromStatus toStatus\n          availableDelta { amountMinor currency }\n          available { amountMinor currency }\n          pending { amountMinor currency }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardTestEvents($filter: PaymentEventFilter, $first: Int, $after: String) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: ASC) {\n      edges {\n        node {\n          cursor eventId type provider paymentMethod currency customerId productId productName orderId walletId reference\n          occurredAt receivedAt source\n          amount { amount amountMinor }\n          fee { amount amountMinor }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query DashboardTestEvents($filter: PaymentEventFilter, $first: Int, $after: String) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: ASC) {\n      edges {\n        node {\n          cursor eventId type provider paymentMethod currency customerId productId productName orderId walletId reference\n          occurredAt receivedAt source\n          amount { amount amountMinor }\n          fee { amount amountMinor }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardTestActivity($from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity, $merchantId: ID) {\n    paymentActivity(from: $from, to: $to, granularity: $granularity, merchantId: $merchantId) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount amountMinor currency } }\n    }\n  }\n"): (typeof documents)["\n  query DashboardTestActivity($from: DateTime!, $to: DateTime!, $granularity: ActivityGranularity, $merchantId: ID) {\n    paymentActivity(from: $from, to: $to, granularity: $granularity, merchantId: $merchantId) {\n      buckets { start events completed failed }\n      providers { provider events completed failed completedAmount { amount amountMinor currency } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NotificationFields on Notification {\n    id: notificationId type priority title body data merchantId read readAt createdAt cursor\n    deliveries { channel status attempts lastError providerMessageId sentAt }\n  }\n"): (typeof documents)["\n  fragment NotificationFields on Notification {\n    id: notificationId type priority title body data merchantId read readAt createdAt cursor\n    deliveries { channel status attempts lastError providerMessageId sentAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Notifications($first: Int, $after: String, $unreadOnly: Boolean) {\n    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      edges { cursor node { ...NotificationFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n    unreadNotificationCount\n  }\n"): (typeof documents)["\n  query Notifications($first: Int, $after: String, $unreadOnly: Boolean) {\n    notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      edges { cursor node { ...NotificationFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n    unreadNotificationCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UnreadCount {\n    unreadNotificationCount\n  }\n"): (typeof documents)["\n  query UnreadCount {\n    unreadNotificationCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all) { marked unreadCount }\n  }\n"): (typeof documents)["\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all) { marked unreadCount }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterDevice($token: String!, $platform: DevicePlatform!) {\n    registerDeviceToken(token: $token, platform: $platform) { devices }\n  }\n"): (typeof documents)["\n  mutation RegisterDevice($token: String!, $platform: DevicePlatform!) {\n    registerDeviceToken(token: $token, platform: $platform) { devices }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnregisterDevice($token: String!) {\n    unregisterDeviceToken(token: $token)\n  }\n"): (typeof documents)["\n  mutation UnregisterDevice($token: String!) {\n    unregisterDeviceToken(token: $token)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdatePreferences($preferences: [NotificationPreferenceInput!]!) {\n    updateNotificationPreferences(preferences: $preferences) { type push email sms }\n  }\n"): (typeof documents)["\n  mutation UpdatePreferences($preferences: [NotificationPreferenceInput!]!) {\n    updateNotificationPreferences(preferences: $preferences) { type push email sms }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Preferences {\n    notificationPreferences { type push email sms }\n    notificationContact { email emailVerified phone phoneVerified devices }\n  }\n"): (typeof documents)["\n  query Preferences {\n    notificationPreferences { type push email sms }\n    notificationContact { email emailVerified phone phoneVerified devices }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestVerification($channel: ContactChannel!, $address: String!) {\n    requestContactVerification(channel: $channel, address: $address) { expiresAt devCode }\n  }\n"): (typeof documents)["\n  mutation RequestVerification($channel: ContactChannel!, $address: String!) {\n    requestContactVerification(channel: $channel, address: $address) { expiresAt devCode }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyContact($channel: ContactChannel!, $code: String!) {\n    verifyContact(channel: $channel, code: $code) { email emailVerified phone phoneVerified devices }\n  }\n"): (typeof documents)["\n  mutation VerifyContact($channel: ContactChannel!, $code: String!) {\n    verifyContact(channel: $channel, code: $code) { email emailVerified phone phoneVerified devices }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationAdded($after: String) {\n    notificationAdded(after: $after) { ...NotificationFields }\n  }\n"): (typeof documents)["\n  subscription NotificationAdded($after: String) {\n    notificationAdded(after: $after) { ...NotificationFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrderFields on Order {\n    id: orderId merchantId vendorId customerId currency status estimatedReadyAt version\n    amount { amountMinor currency amount }\n    items { name quantity unitPrice { amountMinor } total { amountMinor } }\n  }\n"): (typeof documents)["\n  fragment OrderFields on Order {\n    id: orderId merchantId vendorId customerId currency status estimatedReadyAt version\n    amount { amountMinor currency amount }\n    items { name quantity unitPrice { amountMinor } total { amountMinor } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) { ...OrderFields }\n  }\n"): (typeof documents)["\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) { ...OrderFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateOrderStatus($orderId: ID!, $status: OrderStatus!, $estimatedReadyAt: DateTime, $reason: String) {\n    updateOrderStatus(orderId: $orderId, status: $status, estimatedReadyAt: $estimatedReadyAt, reason: $reason) { ...OrderFields }\n  }\n"): (typeof documents)["\n  mutation UpdateOrderStatus($orderId: ID!, $status: OrderStatus!, $estimatedReadyAt: DateTime, $reason: String) {\n    updateOrderStatus(orderId: $orderId, status: $status, estimatedReadyAt: $estimatedReadyAt, reason: $reason) { ...OrderFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderQuery($id: ID!) {\n    order(id: $id) {\n      ...OrderFields\n      history { from to actor reason version }\n    }\n  }\n"): (typeof documents)["\n  query OrderQuery($id: ID!) {\n    order(id: $id) {\n      ...OrderFields\n      history { from to actor reason version }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrdersQuery($status: OrderStatus, $merchantId: ID, $first: Int, $after: String) {\n    orders(status: $status, merchantId: $merchantId, first: $first, after: $after) {\n      edges { cursor node { id: orderId status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query OrdersQuery($status: OrderStatus, $merchantId: ID, $first: Int, $after: String) {\n    orders(status: $status, merchantId: $merchantId, first: $first, after: $after) {\n      edges { cursor node { id: orderId status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrderStatusSub($orderId: ID!) {\n    orderStatus(orderId: $orderId) { id: orderId status version estimatedReadyAt }\n  }\n"): (typeof documents)["\n  subscription OrderStatusSub($orderId: ID!) {\n    orderStatus(orderId: $orderId) { id: orderId status version estimatedReadyAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrderUpdatesSub($merchantId: ID) {\n    orderUpdates(merchantId: $merchantId) { id: orderId status version merchantId }\n  }\n"): (typeof documents)["\n  subscription OrderUpdatesSub($merchantId: ID) {\n    orderUpdates(merchantId: $merchantId) { id: orderId status version merchantId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PresenceSub($userIds: [ID!]!) {\n    presence(userIds: $userIds) { userId status lastSeenAt }\n  }\n"): (typeof documents)["\n  subscription PresenceSub($userIds: [ID!]!) {\n    presence(userIds: $userIds) { userId status lastSeenAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConnectionStatsQuery {\n    connectionStats { sockets subscriptions instance { instance sockets users subscriptions } instances { instance sockets users subscriptions } }\n  }\n"): (typeof documents)["\n  query ConnectionStatsQuery {\n    connectionStats { sockets subscriptions instance { instance sockets users subscriptions } instances { instance sockets users subscriptions } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSessions($userId: ID!) {\n    revokeSessions(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation RevokeSessions($userId: ID!) {\n    revokeSessions(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PaymentEventFields on PaymentEvent {\n    id\n    cursor\n    merchantSeq\n    eventId\n    merchantId\n    schemaVersion\n    type\n    provider\n    paymentMethod\n    amount { amountMinor currency amount }\n    fee { amountMinor currency amount }\n    customerId\n    reference\n    occurredAt\n    source\n    metadata\n  }\n"): (typeof documents)["\n  fragment PaymentEventFields on PaymentEvent {\n    id\n    cursor\n    merchantSeq\n    eventId\n    merchantId\n    schemaVersion\n    type\n    provider\n    paymentMethod\n    amount { amountMinor currency amount }\n    fee { amountMinor currency amount }\n    customerId\n    reference\n    occurredAt\n    source\n    metadata\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IngestOne($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) {\n      status\n      duplicate\n      event { ...PaymentEventFields }\n    }\n  }\n"): (typeof documents)["\n  mutation IngestOne($event: PaymentEventInput!) {\n    ingestPaymentEvent(event: $event) {\n      status\n      duplicate\n      event { ...PaymentEventFields }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IngestMany($events: [PaymentEventInput!]!) {\n    ingestPaymentEvents(events: $events) {\n      ingested\n      duplicates\n      rejected\n      errors { index field code message }\n      results { index status event { eventId cursor } }\n    }\n  }\n"): (typeof documents)["\n  mutation IngestMany($events: [PaymentEventInput!]!) {\n    ingestPaymentEvents(events: $events) {\n      ingested\n      duplicates\n      rejected\n      errors { index field code message }\n      results { index status event { eventId cursor } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IngestEnvelopes($envelopes: [JSON!]!) {\n    ingestEnvelopes(envelopes: $envelopes) {\n      ingested\n      duplicates\n      accepted\n      rejected\n      errors { index field code message }\n      results { index status event { eventId schemaVersion type amount { amountMinor currency amount } } }\n    }\n  }\n"): (typeof documents)["\n  mutation IngestEnvelopes($envelopes: [JSON!]!) {\n    ingestEnvelopes(envelopes: $envelopes) {\n      ingested\n      duplicates\n      accepted\n      rejected\n      errors { index field code message }\n      results { index status event { eventId schemaVersion type amount { amountMinor currency amount } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListEvents($filter: PaymentEventFilter, $first: Int, $after: String, $order: SortOrder) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { ...PaymentEventFields } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ListEvents($filter: PaymentEventFilter, $first: Int, $after: String, $order: SortOrder) {\n    paymentEvents(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { ...PaymentEventFields } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...PaymentEventFields }\n  }\n"): (typeof documents)["\n  subscription LiveEvents($filter: PaymentEventFilter, $after: String) {\n    paymentEvents(filter: $filter, after: $after) { ...PaymentEventFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { subject kind role merchantId expiresAt }\n  }\n"): (typeof documents)["\n  query Me {\n    me { subject kind role merchantId expiresAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MerchantQuery($id: ID) {\n    merchant(id: $id) { id name timezone defaultCurrency }\n  }\n"): (typeof documents)["\n  query MerchantQuery($id: ID) {\n    merchant(id: $id) { id name timezone defaultCurrency }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateMerchant($id: ID, $name: String!, $timezone: String, $defaultCurrency: String) {\n    createMerchant(id: $id, name: $name, timezone: $timezone, defaultCurrency: $defaultCurrency) { id name timezone defaultCurrency }\n  }\n"): (typeof documents)["\n  mutation CreateMerchant($id: ID, $name: String!, $timezone: String, $defaultCurrency: String) {\n    createMerchant(id: $id, name: $name, timezone: $timezone, defaultCurrency: $defaultCurrency) { id name timezone defaultCurrency }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($name: String!, $expiresAt: DateTime, $merchantId: ID) {\n    createApiKey(name: $name, expiresAt: $expiresAt, merchantId: $merchantId) {\n      secret\n      apiKey { id prefix merchantId expiresAt revokedAt lastUsedAt }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($name: String!, $expiresAt: DateTime, $merchantId: ID) {\n    createApiKey(name: $name, expiresAt: $expiresAt, merchantId: $merchantId) {\n      secret\n      apiKey { id prefix merchantId expiresAt revokedAt lastUsedAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    apiKeys { id name prefix revokedAt lastUsedAt }\n  }\n"): (typeof documents)["\n  query ApiKeys {\n    apiKeys { id name prefix revokedAt lastUsedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PaymentStatus($reference: String!, $merchantId: ID) {\n    paymentStatus(reference: $reference, merchantId: $merchantId) {\n      reference merchantId kind status final provider updatedAt\n      amount { amountMinor currency }\n      history { status eventId type at cursor }\n    }\n  }\n"): (typeof documents)["\n  query PaymentStatus($reference: String!, $merchantId: ID) {\n    paymentStatus(reference: $reference, merchantId: $merchantId) {\n      reference merchantId kind status final provider updatedAt\n      amount { amountMinor currency }\n      history { status eventId type at cursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TransferStatus($reference: String!, $merchantId: ID) {\n    transferStatus(reference: $reference, merchantId: $merchantId) { reference kind status final history { status eventId } }\n  }\n"): (typeof documents)["\n  query TransferStatus($reference: String!, $merchantId: ID) {\n    transferStatus(reference: $reference, merchantId: $merchantId) { reference kind status final history { status eventId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PaymentTracking($reference: String!, $merchantId: ID) {\n    paymentTracking(reference: $reference, merchantId: $merchantId) { reference status final history { status eventId } }\n  }\n"): (typeof documents)["\n  subscription PaymentTracking($reference: String!, $merchantId: ID) {\n    paymentTracking(reference: $reference, merchantId: $merchantId) { reference status final history { status eventId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TransferTracking($reference: String!, $merchantId: ID) {\n    transferTracking(reference: $reference, merchantId: $merchantId) { reference status final }\n  }\n"): (typeof documents)["\n  subscription TransferTracking($reference: String!, $merchantId: ID) {\n    transferTracking(reference: $reference, merchantId: $merchantId) { reference status final }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WalletFields on Wallet {\n    id: walletId ownerId merchantId currency version overdrawn\n    available { amountMinor currency amount }\n    pending { amountMinor currency amount }\n  }\n"): (typeof documents)["\n  fragment WalletFields on Wallet {\n    id: walletId ownerId merchantId currency version overdrawn\n    available { amountMinor currency amount }\n    pending { amountMinor currency amount }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WalletQuery($id: ID!, $merchantId: ID) {\n    wallet(id: $id, merchantId: $merchantId) { ...WalletFields }\n  }\n"): (typeof documents)["\n  query WalletQuery($id: ID!, $merchantId: ID) {\n    wallet(id: $id, merchantId: $merchantId) { ...WalletFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyWallets {\n    myWallets { ...WalletFields }\n  }\n"): (typeof documents)["\n  query MyWallets {\n    myWallets { ...WalletFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WalletLedger($walletId: ID!, $merchantId: ID, $first: Int, $after: String) {\n    walletLedger(walletId: $walletId, merchantId: $merchantId, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id version reason actor merchantId eventId eventType paymentKey createdAt\n          availableDelta { amountMinor } pendingDelta { amountMinor }\n          available { amountMinor } pending { amountMinor }\n        }\n      }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): (typeof documents)["\n  query WalletLedger($walletId: ID!, $merchantId: ID, $first: Int, $after: String) {\n    walletLedger(walletId: $walletId, merchantId: $merchantId, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id version reason actor merchantId eventId eventType paymentKey createdAt\n          availableDelta { amountMinor } pendingDelta { amountMinor }\n          available { amountMinor } pending { amountMinor }\n        }\n      }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Balance($walletId: ID!, $merchantId: ID) {\n    balance(walletId: $walletId, merchantId: $merchantId) {\n      walletId merchantId currency version reason eventId at\n      available { amountMinor currency amount }\n      pending { amountMinor currency amount }\n    }\n  }\n"): (typeof documents)["\n  subscription Balance($walletId: ID!, $merchantId: ID) {\n    balance(walletId: $walletId, merchantId: $merchantId) {\n      walletId merchantId currency version reason eventId at\n      available { amountMinor currency amount }\n      pending { amountMinor currency amount }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetSecret($provider: String!, $secret: String) {\n    setProviderWebhookSecret(provider: $provider, secret: $secret) { merchantId provider path generatedSecret updatedBy }\n  }\n"): (typeof documents)["\n  mutation SetSecret($provider: String!, $secret: String) {\n    setProviderWebhookSecret(provider: $provider, secret: $secret) { merchantId provider path generatedSecret updatedBy }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Hook($provider: String!, $merchantId: ID!, $webhookId: String!, $webhookTimestamp: String!, $payload: String!, $signature: String!) {\n    providerWebhook(provider: $provider, merchantId: $merchantId, webhookId: $webhookId, webhookTimestamp: $webhookTimestamp, payload: $payload, signature: $signature) {\n      status eventId event { eventId merchantId provider source amount { amountMinor currency } reference }\n    }\n  }\n"): (typeof documents)["\n  mutation Hook($provider: String!, $merchantId: ID!, $webhookId: String!, $webhookTimestamp: String!, $payload: String!, $signature: String!) {\n    providerWebhook(provider: $provider, merchantId: $merchantId, webhookId: $webhookId, webhookTimestamp: $webhookTimestamp, payload: $payload, signature: $signature) {\n      status eventId event { eventId merchantId provider source amount { amountMinor currency } reference }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;