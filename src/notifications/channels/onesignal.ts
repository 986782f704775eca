/**
 * Push through OneSignal's maintained Node SDK (@onesignal/node-onesignal, "Create message").
 * The SDK's own `baseServer` option moves it to another origin (a proxy, the tests' local
 * server), and its `httpApi` option is a fetch bounded by the send timeout.
 *
 * A deployment with PUSH_PROVIDER=onesignal registers OneSignal subscription ids (UUIDs, what the
 * OneSignal app SDK reports as `PushSubscription.id`) with `registerDeviceToken`; one delivery
 * goes to every such id the user has at send time. Ids OneSignal reports invalid
 * (`errors.invalid_player_ids`) are handed back for pruning, as FCM's dead tokens are.
 *
 * Idempotency: every request carries `idempotency_key`, a UUID derived from the delivery (the
 * same on every attempt of it, different for every other delivery in any database), so a retry
 * after a timeout or a crash is answered from the first request (for 30 days) instead of sending
 * again.
 */
import { createHash } from 'node:crypto';
import {
  ApiException,
  createConfiguration,
  DefaultApi,
  Notification,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
  type CreateNotificationSuccessResponse,
} from '@onesignal/node-onesignal';
import { describeError, retryableStatus, type ChannelSender, type DeliveryJob } from './types.js';

export interface OneSignalOptions {
  /** The OneSignal App ID. */
  appId: string;
  /** The app's REST API key (sent as `Authorization: Key …`). */
  restApiKey: string;
  /** @default "https://api.onesignal.com" */
  apiUrl?: string;
  /** Bounds one request (connect, send, answer): past it the send is retried. @default 10000 */
  timeoutMs?: number;
}

/** OneSignal subscription ids are UUIDs; anything else a user registered is not one (an FCM token from before). */
export const ONESIGNAL_SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Name-based UUIDs (RFC 9562 version 5) under this namespace: paypulse's delivery keys. */
const DELIVERY_NAMESPACE = Buffer.from('6f1d3c52a0b84e8f9c27d5e4b3a19f60', 'hex');

/** A UUIDv5 naming one delivery: its notification (a random id) and channel, and its row id. */
export function deliveryIdempotencyKey(job: Pick<DeliveryJob, 'deliveryId' | 'channel'> & { notification: { id: string } }): string {
  const bytes = createHash('sha1').update(DELIVERY_NAMESPACE).update(`${job.notification.id}:${job.channel}:${job.deliveryId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The ids in a response's `errors` that OneSignal does not know: they will never work again. */
function invalidIds(errors: unknown): string[] {
  if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return [];
  const ids = (errors as { invalid_player_ids?: unknown }).invalid_player_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

const ANY_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * OneSignal's `errors`, for the log and `last_error`: its messages with any id in them masked, and
 * id lists only as counts (subscription ids are device tokens: they never reach a log line).
 */
function describeErrors(errors: unknown): string {
  if (Array.isArray(errors)) return errors.map((e) => String(e).replace(ANY_UUID, '***')).join('; ');
  if (errors && typeof errors === 'object') {
    return Object.entries(errors)
      .map(([key, value]) => (Array.isArray(value) ? `${key}: ${value.length}` : value && typeof value === 'object' ? `${key}: ${Object.keys(value).join(', ')}` : `${key}: ${String(value)}`))
      .join('; ')
      .replace(ANY_UUID, '***');
  }
  return String(errors ?? 'no errors given').replace(ANY_UUID, '***');
}

export function createOneSignalSender(options: OneSignalOptions): ChannelSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseServer = new ServerConfiguration<Record<string, string>>((options.apiUrl ?? 'https://api.onesignal.com').replace(/\/$/, ''), {});

  /** A client whose transport reports whether OneSignal answered from an earlier request with the same key. */
  function clientFor(seen: { replayed: boolean }): DefaultApi {
    const httpApi = wrapHttpLibrary({
      async send(request) {
        const response = await fetch(request.getUrl(), {
          method: request.getHttpMethod(),
          headers: request.getHeaders(),
          body: request.getBody() as string | undefined,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => void (headers[name] = value));
        seen.replayed = headers['idempotent-replayed']?.trim().toLowerCase() === 'true';
        const body = Buffer.from(await response.arrayBuffer());
        return new ResponseContext(response.status, headers, { text: async () => body.toString('utf8'), binary: async () => body });
      },
    });
    return new DefaultApi(createConfiguration({ restApiKey: options.restApiKey, baseServer, httpApi }));
  }

  return {
    channel: 'PUSH',
    live: true,
    async send(job) {
      if (job.tokens.length === 0) return { kind: 'failed', error: 'no device token registered' };
      const subscriptions = job.tokens.filter((t) => ONESIGNAL_SUBSCRIPTION_ID.test(t));
      if (subscriptions.length === 0) return { kind: 'failed', error: 'no OneSignal subscription id registered (the device tokens are not OneSignal subscription ids)' };
      const n = job.notification;
      const urgent = n.priority === 'HIGH' || n.priority === 'CRITICAL';
      const message = Object.assign(new Notification(), {
        app_id: options.appId,
        idempotency_key: deliveryIdempotencyKey(job),
        include_subscription_ids: subscriptions,
        headings: { en: n.title },
        contents: { en: n.body },
        // The app drops a notification id it already showed: a repeated send (docs) shows once.
        data: { notificationId: n.id, type: n.type, priority: n.priority },
        priority: urgent ? 10 : 5,
        collapse_id: n.id.slice(0, 64),
        web_push_topic: createHash('sha256').update(n.id).digest('base64url').slice(0, 32),
      } satisfies Partial<Notification>);
      const seen = { replayed: false };
      let response: CreateNotificationSuccessResponse;
      try {
        response = await clientFor(seen).createNotification(message);
      } catch (error) {
        if (error instanceof ApiException) {
          const detail = `OneSignal ${error.code}: ${describeErrors((error.body as { errors?: unknown } | undefined)?.errors ?? error.body)}`.slice(0, 500);
          return { kind: retryableStatus(error.code) ? 'retry' : 'failed', error: detail, invalidTokens: invalidIds((error.body as { errors?: unknown } | undefined)?.errors) };
        }
        // Network, timeout, an unreadable answer: nothing is known to be delivered. The same
        // idempotency key on the retry makes a send that did go through count once.
        return { kind: 'retry', error: describeError(error) };
      }
      const invalidTokens = invalidIds(response.errors);
      const providerStatus = seen.replayed ? 'replayed: OneSignal answered from the first request with this idempotency key' : undefined;
      if (response.id) return { kind: 'sent', providerMessageId: response.id, invalidTokens, ...(providerStatus ? { providerStatus } : {}) };
      // 200 without an id: no subscription could take it (unsubscribed or unknown ids).
      return { kind: 'failed', error: `OneSignal sent nothing: ${describeErrors(response.errors)}`.slice(0, 500), invalidTokens };
    },
    async stop() {},
  };
}
