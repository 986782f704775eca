/**
 * A local stand-in for FCM (with Google's OAuth token endpoint), SendGrid and Twilio: one HTTP
 * server that records every request exactly as the real SDKs sent it and answers like the
 * provider does, or with the errors a test queues.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Provider = 'fcm' | 'sendgrid' | 'twilio' | 'oauth';

export interface RecordedRequest {
  provider: Provider;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON, or form fields for Twilio. */
  json: any;
  /** The status we answered. */
  status: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the client gives up). */
  hang?: boolean;
}

export interface FakeProviders {
  url: string;
  requests: RecordedRequest[];
  /** Accepted messages (2xx) of one provider. */
  accepted(provider: Exclude<Provider, 'oauth'>): RecordedRequest[];
  /** The next `count` requests to `provider` get `reply` instead of success. */
  failNext(provider: Provider, reply: Reply, count?: number): void;
  /** FCM answers UNREGISTERED for these tokens, always. */
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
  return undefined;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const requests: RecordedRequest[] = [];
  const queued = new Map<Provider, Reply[]>();
  const unregistered = new Set<string>();
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
    if (provider === 'sendgrid') return { status: 202, headers: { 'x-message-id': `sg-${counter}` } };
    return { status: 201, body: { sid: `SM${counter.toString(16).padStart(32, '0')}`, status: 'queued', to: json?.To, body: json?.Body } };
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
      const reply = queued.get(provider)?.shift() ?? success(provider, json);
      requests.push({ provider, method: req.method ?? '', path, headers: req.headers, body, json, status: reply.status });
      if (reply.hang) return;
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
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
    accepted: (provider) => requests.filter((r) => r.provider === provider && r.status < 300),
    failNext(provider, reply, count = 1) {
      queued.set(provider, [...(queued.get(provider) ?? []), ...Array.from({ length: count }, () => reply)]);
    },
    reset() {
      requests.length = 0;
      queued.clear();
      unregistered.clear();
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
