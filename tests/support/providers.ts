/**
 * A local stand-in for FCM (with Google's OAuth token endpoint), OneSignal, SendGrid, Twilio and
 * Africa's Talking: one HTTP server that records every request exactly as the real clients sent
 * it and answers like the provider does, or with the errors a test queues. OneSignal's
 * idempotency is modelled: a repeated `idempotency_key` is answered from the first request with
 * `Idempotent-Replayed: true` and delivers nothing more.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Provider = 'fcm' | 'onesignal' | 'sendgrid' | 'twilio' | 'africastalking' | 'oauth';

export interface RecordedRequest {
  provider: Provider;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON, or form fields for Twilio and Africa's Talking. */
  json: any;
  /** The status we answered (or would have: see `lost`). */
  status: number;
  /** The body we answered. */
  reply: any;
  /** OneSignal answered from an earlier request with the same idempotency key (nothing new delivered). */
  replayed?: boolean;
  /** Handled like a success, but the answer never left (the client times out). */
  lost?: boolean;
}

export interface Reply {
  status: number;
  /** A body, or one made from the request's parsed body. */
  body?: unknown | ((json: any) => unknown);
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the client gives up). */
  hang?: boolean;
  /** Process the request as a success (it is delivered), then never answer: an answer lost on the way. */
  lose?: boolean;
}

/** An Africa's Talking 201 whose one recipient has this per-recipient status. */
export function atRecipientReply(statusCode: number, status: string): Reply {
  return {
    status: 201,
    body: (json: any) => ({ SMSMessageData: { Message: 'Sent to 0/1 Total Cost: 0', Recipients: [{ statusCode, number: json?.to, status, cost: '0', messageId: 'None' }] } }),
  };
}

export interface FakeProviders {
  url: string;
  requests: RecordedRequest[];
  /** Messages a provider took for delivery (2xx; for OneSignal not a replay, for Africa's Talking an accepted recipient). */
  accepted(provider: Exclude<Provider, 'oauth'>): RecordedRequest[];
  /** The next `count` requests to `provider` get `reply` instead of success. */
  failNext(provider: Provider, reply: Reply, count?: number): void;
  /** FCM answers UNREGISTERED, OneSignal lists in `invalid_player_ids`, these tokens, always. */
  unregistered: Set<string>;
  /** Milliseconds every answer waits (a slow provider). */
  delayMs: number;
  reset(): void;
  close(): Promise<void>;
}

function providerOf(path: string): Provider | undefined {
  if (path === '/token' || path.startsWith('/o/oauth2/token')) return 'oauth';
  if (/^\/v1\/projects\/[^/]+\/messages:send$/.test(path)) return 'fcm';
  if (path === '/v3/mail/send') return 'sendgrid';
  if (/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\.json$/i.test(path)) return 'twilio';
  if (path === '/notifications') return 'onesignal';
  if (path === '/version1/messaging') return 'africastalking';
  return undefined;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const requests: RecordedRequest[] = [];
  const queued = new Map<Provider, Reply[]>();
  const unregistered = new Set<string>();
  /** OneSignal: the first answer per idempotency key. */
  const processed = new Map<string, unknown>();
  let counter = 0;

  function success(provider: Provider, json: any): Reply {
    counter += 1;
    if (provider === 'oauth') return { status: 200, body: { access_token: 'ya29.fake-access-token', expires_in: 3600, token_type: 'Bearer' } };
    if (provider === 'fcm') {
      const token = json?.message?.token as string | undefined;
      if (token && unregistered.has(token)) {
        return {
          status: 404,
          body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } },
        };
      }
      return { status: 200, body: { name: `projects/paypulse-test/messages/${counter}` } };
    }
    if (provider === 'onesignal') {
      const ids: string[] = json?.include_subscription_ids ?? [];
      const invalid = ids.filter((id) => unregistered.has(id));
      const id = invalid.length === ids.length ? '' : `${counter.toString(16).padStart(8, '0')}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
      return { status: 200, body: { id, ...(invalid.length ? { errors: { invalid_player_ids: invalid } } : {}) } };
    }
    if (provider === 'africastalking') {
      const messageId = `ATXid_${counter.toString(16).padStart(32, '0')}`;
      return {
        status: 201,
        body: { SMSMessageData: { Message: 'Sent to 1/1 Total Cost: KES 0.8000', Recipients: [{ statusCode: 101, number: json?.to, status: 'Success', cost: 'KES 0.8000', messageId, messageParts: 1 }] } },
      };
    }
    if (provider === 'sendgrid') return { status: 202, headers: { 'x-message-id': `sg-${counter}` } };
    return { status: 201, body: { sid: `SM${counter.toString(16).padStart(32, '0')}`, status: 'queued', to: json?.To, body: json?.Body } };
  }

  /** Whether the provider took this request for delivery. */
  function delivered(r: RecordedRequest): boolean {
    if (r.status >= 300 || r.replayed) return false;
    if (r.provider === 'onesignal') return !!r.reply?.id;
    if (r.provider === 'africastalking') return (r.reply?.SMSMessageData?.Recipients?.[0]?.statusCode ?? 0) < 200;
    return true;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const provider = providerOf(path);
      if (!provider) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"unknown route"}');
        return;
      }
      let json: any;
      try {
        json = String(req.headers['content-type']).includes('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const key = provider === 'onesignal' ? (json?.idempotency_key as string | undefined) : undefined;
      let replayed = false;
      let reply: Reply;
      if (key && processed.has(key)) {
        replayed = true;
        reply = { status: 200, body: processed.get(key), headers: { 'idempotent-replayed': 'true' } };
      } else {
        const queuedReply = queued.get(provider)?.shift();
        reply = queuedReply?.lose ? { ...success(provider, json), lose: true } : (queuedReply ?? success(provider, json));
      }
      const replyBody = typeof reply.body === 'function' ? (reply.body as (j: any) => unknown)(json) : reply.body;
      if (key && !replayed && reply.status < 300 && !reply.hang) processed.set(key, replyBody);
      requests.push({ provider, method: req.method ?? '', path, headers: req.headers, body, json, status: reply.status, reply: replyBody, ...(replayed ? { replayed } : {}), ...(reply.lose ? { lost: true } : {}) });
      if (reply.hang || reply.lose) return;
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(replyBody === undefined ? '' : typeof replyBody === 'string' ? replyBody : JSON.stringify(replyBody));
      }, fake.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeProviders = {
    delayMs: 0,
    url: `http://127.0.0.1:${port}`,
    requests,
    unregistered,
    accepted: (provider) => requests.filter((r) => r.provider === provider && delivered(r)),
    failNext(provider, reply, count = 1) {
      queued.set(provider, [...(queued.get(provider) ?? []), ...Array.from({ length: count }, () => reply)]);
    },
    reset() {
      requests.length = 0;
      queued.clear();
      unregistered.clear();
      processed.clear();
      fake.delayMs = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** Environment that points the app's real SDKs at the fake providers. */
export function providerEnv(fake: FakeProviders, serviceAccount: string): Record<string, string> {
  return {
    FCM_SERVICE_ACCOUNT: serviceAccount,
    FCM_API_URL: fake.url,
    SENDGRID_API_KEY: 'SG.test-key',
    SENDGRID_FROM: 'alerts@paypulse.test',
    SENDGRID_API_URL: fake.url,
    TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
    TWILIO_AUTH_TOKEN: 'twilio-test-token',
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: fake.url,
  };
}

/** OneSignal and Africa's Talking credentials on the fake (with providerEnv: FCM, SendGrid, Twilio stay set). */
export function regionalProviderEnv(fake: FakeProviders): Record<string, string> {
  return {
    ONESIGNAL_APP_ID: '8a6f5a1c-4e2b-4d7a-9c1e-3f5b7d9e1a2c',
    ONESIGNAL_REST_API_KEY: 'os_v2_app_test-rest-key',
    ONESIGNAL_API_URL: fake.url,
    AFRICASTALKING_USERNAME: 'paypulse-test',
    AFRICASTALKING_API_KEY: 'atsk_test-api-key-0123456789',
    AFRICASTALKING_FROM: 'PAYPULSE',
    AFRICASTALKING_API_URL: fake.url,
  };
}
