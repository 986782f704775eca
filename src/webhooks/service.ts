/**
 * Provider webhooks into the ONE ingest pipeline. Every delivery is verified with the secret of
 * the merchant it names (so it is believed for that merchant only), mapped to a version-2
 * envelope, and handed to `services.intake` (the pipeline, or Kafka when configured) in that
 * merchant's scope with source `webhook`. Any refusal stores nothing and is counted in
 * `paypulse_refusals_total` under its code.
 *
 * Replays. A Standard Webhooks `webhook-id` is recorded only AFTER its event was ingested (or
 * accepted by Kafka), so a delivery whose ingest was refused never burns its id. A crash between
 * the two leaves the event stored and the id unrecorded: the sender's retry with the same id then
 * passes the replay check, and the pipeline reports it DUPLICATE because the event id is
 * idempotent per merchant — nothing is stored twice, and the id is recorded then. Native
 * providers have no delivery id; their event ids come from the provider's own ids, so their
 * retries are duplicates.
 */
import type { PrismaClient } from '../db/client.js';
import { IntakeUnavailableError, type EventIntake } from '../ingest/intake.js';
import type { ItemOutcome } from '../ingest/batch.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { ADAPTERS } from './providers/index.js';
import type { Envelope, WebhookRequest } from './providers/common.js';
import { refuse, WebhookCode, WebhookRefusal } from './refusal.js';
import { isNativeProvider, PROVIDER_NAME, type NativeProvider, type WebhookSecretStore } from './secrets.js';
import { verifyStandard } from './standard.js';
import { ErrorCode } from '../lib/error-codes.js';

export type WebhookOutcome = Exclude<ItemOutcome, { status: 'rejected' }>;
export type NativeOutcome = WebhookOutcome | { status: 'ignored'; reason: string };

export interface StandardDelivery {
  merchantId: string;
  provider: string;
  webhookId: string | undefined;
  webhookTimestamp: string | undefined;
  /** The raw payload string the signature covers: a paypulse envelope as JSON. */
  payload: string;
  signature: string | undefined;
}

export interface WebhookService {
  readonly secrets: WebhookSecretStore;
  /** A Standard Webhooks delivery (the `providerWebhook` mutation and `POST /webhooks/<provider>/<merchantId>`). */
  receiveStandard(delivery: StandardDelivery): Promise<WebhookOutcome>;
  /** A native provider's HTTP call (Paystack, Flutterwave, M-Pesa, CamPay). */
  receiveNative(provider: NativeProvider, merchantId: string, request: WebhookRequest): Promise<NativeOutcome>;
}

export interface WebhookServiceDeps {
  prisma: PrismaClient;
  intake: EventIntake;
  secrets: WebhookSecretStore;
  metrics: Metrics;
  logger: Logger;
  toleranceSeconds: number;
}

export function createWebhookService(deps: WebhookServiceDeps): WebhookService {
  const { prisma, intake, secrets, metrics } = deps;
  const logger = deps.logger.child({ component: 'webhooks' });

  async function secretFor(merchantId: string, provider: string): Promise<string> {
    const secret = PROVIDER_NAME.test(provider) ? await secrets.get(merchantId, provider) : undefined;
    // The same answer for an unknown merchant and an unconfigured provider: nothing to probe.
    if (!secret) throw refuse(WebhookCode.UnknownProvider, `no ${provider} webhook is configured for this merchant`);
    return secret;
  }

  async function ingest(merchantId: string, envelope: unknown): Promise<WebhookOutcome> {
    let outcome: ItemOutcome;
    try {
      outcome = (await intake.ingest([envelope], { source: 'webhook', merchantId })).items[0]!;
    } catch (error) {
      if (error instanceof IntakeUnavailableError) throw refuse(ErrorCode.ServiceUnavailable, error.message, { retryable: true }, 503);
      throw error;
    }
    if (outcome.status === 'rejected') {
      const first = outcome.errors[0]!;
      throw refuse(first.code, outcome.errors.map((e) => e.message).join('; '), { fieldErrors: outcome.errors }, first.code === ErrorCode.Forbidden ? 403 : 400);
    }
    return outcome;
  }

  /** Counts and logs a refusal (never the secret, signature or body), then rethrows it. */
  async function counted<T>(merchantId: string, provider: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof WebhookRefusal) {
        metrics.refuse(error.code);
        error.counted = true;
        logger.info({ merchantId, provider, code: error.code }, `webhook refused: ${error.message}`);
      }
      throw error;
    }
  }

  return {
    secrets,
    receiveStandard(delivery) {
      const { merchantId, provider } = delivery;
      return counted(merchantId, provider, async () => {
        if (isNativeProvider(provider)) {
          throw refuse(WebhookCode.UnknownProvider, `${provider} does not send Standard Webhooks: it posts to /webhooks/${provider}/<merchantId>`);
        }
        const secret = await secretFor(merchantId, provider);
        verifyStandard(secret, delivery, { toleranceSeconds: deps.toleranceSeconds });
        const webhookId = delivery.webhookId!;
        const key = { merchantId_provider_webhookId: { merchantId, provider, webhookId } };
        const seen = await prisma.webhookDelivery.findUnique({ where: key });
        if (seen) throw refuse(WebhookCode.Replayed, `webhook-id ${webhookId} was already delivered`, { eventId: seen.eventId, receivedAt: seen.receivedAt.toISOString() });

        let envelope: unknown;
        try {
          envelope = JSON.parse(delivery.payload);
        } catch {
          throw refuse(WebhookCode.MalformedPayload, 'payload is not valid JSON');
        }
        const outcome = await ingest(merchantId, envelope);
        const eventId = outcome.status === 'accepted' ? outcome.eventId : outcome.event.eventId;
        try {
          // Two concurrent deliveries of one id both ingest (the second as a duplicate); the first row wins.
          await prisma.webhookDelivery.createMany({ data: [{ merchantId, provider, webhookId, eventId, status: outcome.status }], skipDuplicates: true });
        } catch (error) {
          // The event is stored; only replay detection for this id is lost (a repeat is a DUPLICATE).
          logger.error({ err: error, merchantId, provider, webhookId }, 'could not record the webhook id after ingest');
        }
        return outcome;
      });
    },
    receiveNative(provider, merchantId, request) {
      return counted(merchantId, provider, async () => {
        const secret = await secretFor(merchantId, provider);
        const mapped = await ADAPTERS[provider].receive(request, secret);
        if (mapped.kind === 'ignored') {
          // Verified but not a payment event paypulse records: acknowledged, so the provider stops retrying.
          metrics.refuse('WEBHOOK_EVENT_IGNORED');
          return { status: 'ignored' as const, reason: mapped.reason };
        }
        return ingest(merchantId, mapped.envelope satisfies Envelope);
      });
    },
  };
}
