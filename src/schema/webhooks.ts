/**
 * Provider webhooks over GraphQL (docs/webhooks.md): `providerWebhook` for senders speaking
 * Standard Webhooks, authenticated by its signature alone; and the per-merchant secrets that
 * every webhook (GraphQL or `/webhooks/…`) is verified with, managed by merchant staff.
 */
import { actorOf } from '../auth/principal.js';
import { WebhookRefusal } from '../webhooks/refusal.js';
import type { WebhookSecretInfo } from '../webhooks/secrets.js';
import type { WebhookOutcome } from '../webhooks/service.js';
import { builder } from './builder.js';
import { clientError } from './errors.js';
import { IngestStatus, PaymentEventRef } from './payments.js';
import { merchantScope } from './scope.js';
import { ErrorCode } from '../lib/error-codes.js';

type SecretShape = WebhookSecretInfo & { generatedSecret: string | null };

const ProviderWebhookSecret = builder.objectRef<SecretShape>('ProviderWebhookSecret').implement({
  description: "A provider's webhook secret for one merchant. The secret itself is never returned (except once when paypulse generated it).",
  fields: (t) => ({
    merchantId: t.exposeString('merchantId'),
    provider: t.exposeString('provider'),
    path: t.string({
      description: 'The path to register with the provider (mpesa: append the token as the last segment).',
      resolve: (s) => `/webhooks/${s.provider}/${encodeURIComponent(s.merchantId)}${s.provider === 'mpesa' ? '/<token>' : ''}`,
    }),
    updatedBy: t.exposeString('updatedBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    generatedSecret: t.exposeString('generatedSecret', {
      nullable: true,
      description: 'Set only in the answer of setProviderWebhookSecret without a secret: store it now, it is not shown again.',
    }),
  }),
});

const ProviderWebhookPayload = builder.objectRef<WebhookOutcome>('ProviderWebhookPayload').implement({
  fields: (t) => ({
    status: t.field({ type: IngestStatus, resolve: (o) => o.status }),
    eventId: t.string({ resolve: (o) => (o.status === 'accepted' ? o.eventId : o.event.eventId) }),
    // A webhook is authenticated by its signature alone: a DUPLICATE answers with the id and the
    // status, never the stored event (which may carry more than this delivery did).
    event: t.field({
      type: PaymentEventRef,
      nullable: true,
      description: 'The stored event when INGESTED. Null when ACCEPTED (Kafka: not stored yet) and when DUPLICATE (the reply says only eventId and status).',
      resolve: (o) => (o.status === 'ingested' ? o.event : null),
    }),
  }),
});

/** Webhook refusals become client errors with the same code and details. */
async function asClientError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WebhookRefusal) throw clientError(error.code, error.message, error.details);
    throw error;
  }
}

builder.queryFields((t) => ({
  providerWebhookSecrets: t.field({
    type: [ProviderWebhookSecret],
    description: 'The providers with a webhook secret for the merchant (never the secrets).',
    authScopes: { $all: { merchantStaff: true, user: true } },
    args: { merchantId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const rows = await ctx.domain.webhooks.secrets.list(merchantScope(ctx, args.merchantId?.toString()));
      return rows.map((r) => ({ ...r, generatedSecret: null }));
    },
  }),
}));

builder.mutationFields((t) => ({
  providerWebhook: t.field({
    type: ProviderWebhookPayload,
    description:
      'A Standard Webhooks delivery: `signature` is "v1,<base64 HMAC-SHA256 of `<webhookId>.<webhookTimestamp>.<payload>`>" (several space-separated while rotating) with the merchant\'s secret for `provider`. `payload` is a paypulse envelope (JSON). No other credential is needed. Refusals: WEBHOOK_UNKNOWN_PROVIDER, WEBHOOK_SIGNATURE_MISSING, WEBHOOK_SIGNATURE_INVALID, WEBHOOK_TIMESTAMP_OUT_OF_RANGE, WEBHOOK_REPLAYED, WEBHOOK_MALFORMED_PAYLOAD, or the envelope\'s own codes; a refusal stores nothing.',
    args: {
      provider: t.arg.string(),
      merchantId: t.arg.id({ description: 'The merchant whose secret signed it; the envelope may omit merchantId or repeat this one.' }),
      webhookId: t.arg.string({ description: 'Unique per delivery; a second delivery with it is WEBHOOK_REPLAYED.' }),
      webhookTimestamp: t.arg.string({ description: 'Unix seconds, within WEBHOOK_TOLERANCE_SECONDS (default 300) of the server clock.' }),
      payload: t.arg.string({ description: 'The signed payload exactly as signed.' }),
      signature: t.arg.string(),
    },
    resolve: (_root, args, ctx) =>
      asClientError(() =>
        ctx.domain.webhooks.receiveStandard({
          provider: args.provider,
          merchantId: args.merchantId.toString(),
          webhookId: args.webhookId,
          webhookTimestamp: args.webhookTimestamp,
          payload: args.payload,
          signature: args.signature,
        }),
      ),
  }),
  setProviderWebhookSecret: t.field({
    type: ProviderWebhookSecret,
    description:
      "Stores the secret a provider signs this merchant's webhooks with, replacing any previous one: Paystack's secret key, Flutterwave's secret hash, CamPay's webhook key, an M-Pesa URL token, or a Standard Webhooks `whsec_` secret. Without `secret`, mpesa and Standard Webhooks providers get a generated one, returned once in `generatedSecret`. Merchants signed in with a JWT and admins only.",
    authScopes: { $all: { merchantStaff: true, user: true } },
    args: {
      provider: t.arg.string(),
      secret: t.arg.string({ required: false }),
      merchantId: t.arg.id({ required: false }),
    },
    resolve: (_root, args, ctx) =>
      asClientError(async () => {
        const merchantId = merchantScope(ctx, args.merchantId?.toString());
        if (!(await ctx.domain.merchants.get(merchantId))) throw clientError(ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);
        const { info, generatedSecret } = await ctx.domain.webhooks.secrets.set({ merchantId, provider: args.provider, secret: args.secret, actor: actorOf(ctx.principal!) });
        return { ...info, generatedSecret };
      }),
  }),
  removeProviderWebhookSecret: t.boolean({
    description: "Deletes a provider's webhook secret: its webhooks are refused (WEBHOOK_UNKNOWN_PROVIDER) from then on. False when there was none.",
    authScopes: { $all: { merchantStaff: true, user: true } },
    args: { provider: t.arg.string(), merchantId: t.arg.id({ required: false }) },
    resolve: (_root, args, ctx) => ctx.domain.webhooks.secrets.remove(merchantScope(ctx, args.merchantId?.toString()), args.provider),
  }),
}));
