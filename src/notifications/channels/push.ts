/**
 * Push through firebase-admin's own messaging client (FCM HTTP v1). One delivery goes to every
 * device token the user has at send time. Tokens FCM reports unregistered or invalid are handed
 * back for pruning. `apiUrl` moves every connection the SDK opens (FCM and its OAuth token
 * requests) to another origin through the SDK's `httpAgent` option: a proxy or a local test
 * server (see tokenExchangeCredential for the OAuth half).
 */
import { createHash, randomUUID } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { cert, deleteApp, initializeApp, type Credential, type ServiceAccount } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { importPKCS8, SignJWT } from 'jose';
import { describeError, type ChannelSender } from './types.js';

export interface FcmOptions {
  /** A service account (JSON with project_id, client_email, private_key). */
  serviceAccount: Required<Pick<ServiceAccount, 'projectId' | 'clientEmail' | 'privateKey'>>;
  /** @default undefined (Google's own hosts) */
  apiUrl?: string;
  /**
   * Bounds one delivery (token fetch, FCM request and the SDK's own retries): past it the send
   * counts as failed-transient, so the worker's lease always outlasts it. @default 10000
   */
  timeoutMs?: number;
}

/** Per-token FCM error codes that mean the token will never work again: it is removed. */
const DEAD_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);
/** Per-token FCM error codes worth retrying. */
const TRANSIENT = new Set([
  'messaging/internal-error',
  'messaging/server-unavailable',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/quota-exceeded',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
  // The OAuth token could not be fetched: Google's token endpoint, not the message, failed.
  'app/invalid-credential',
]);

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * The service-account OAuth exchange (RFC 7523 JWT bearer grant, as Google's library does it)
 * against `<origin>/token`. Used only when `apiUrl` moves the SDK to another origin:
 * firebase-admin 13 hands its `httpAgent` to FCM requests but not to google-auth-library's token
 * client, so without this the token request would still go to oauth2.googleapis.com.
 */
function tokenExchangeCredential(account: { clientEmail: string; privateKey: string }, origin: string, timeoutMs: number): Credential {
  const tokenUrl = new URL('/token', origin).toString();
  let cached: { access_token: string; expires_in: number; until: number } | undefined;
  return {
    async getAccessToken() {
      if (cached && cached.until > Date.now() + 60_000) return { access_token: cached.access_token, expires_in: Math.floor((cached.until - Date.now()) / 1000) };
      const assertion = await new SignJWT({ scope: FCM_SCOPE })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuer(account.clientEmail)
        .setAudience(tokenUrl)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(await importPKCS8(account.privateKey, 'RS256'));
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
      const token = (await response.json()) as { access_token: string; expires_in: number };
      cached = { ...token, until: Date.now() + token.expires_in * 1000 };
      return { access_token: token.access_token, expires_in: token.expires_in };
    },
  };
}

/** An https agent whose every connection goes to `origin` instead (plain TCP when it is http:). */
function redirectingAgent(origin: string): https.Agent {
  const target = new URL(origin);
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const agent = new https.Agent({ keepAlive: true });
  agent.createConnection = () =>
    target.protocol === 'https:' ? tls.connect({ host: target.hostname, port, servername: target.hostname }) : net.connect({ host: target.hostname, port });
  return agent;
}

export function createFcmSender(options: FcmOptions): ChannelSender {
  const httpAgent = options.apiUrl ? redirectingAgent(options.apiUrl) : undefined;
  const account = options.serviceAccount;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const app = initializeApp(
    {
      credential: options.apiUrl ? tokenExchangeCredential(account, options.apiUrl, timeoutMs) : cert(account),
      projectId: account.projectId,
      ...(httpAgent ? { httpAgent } : {}),
    },
    // Unique: several apps (instances in tests) in one process each get their own.
    `paypulse-${randomUUID()}`,
  );
  const messaging = getMessaging(app);
  // HTTP/1.1 for sendEach: the transport the `httpAgent` option applies to.
  messaging.enableLegacyHttpTransport();

  return {
    channel: 'PUSH',
    live: true,
    async send(job) {
      if (job.tokens.length === 0) return { kind: 'failed', error: 'no device token registered' };
      const n = job.notification;
      const urgent = n.priority === 'HIGH' || n.priority === 'CRITICAL';
      try {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`FCM did not answer within ${timeoutMs} ms`)), timeoutMs);
        });
        const sending = messaging.sendEachForMulticast({
          tokens: job.tokens,
          notification: { title: n.title, body: n.body },
          // The app drops a notification id it already showed: a repeated send (docs) shows once.
          data: { notificationId: n.id, type: n.type, priority: n.priority },
          android: { priority: urgent ? 'high' : 'normal', collapseKey: n.id },
          apns: { headers: { 'apns-priority': urgent ? '10' : '5', 'apns-collapse-id': n.id.slice(0, 64) } },
          webpush: { headers: { Topic: createHash('sha256').update(n.id).digest('base64url').slice(0, 32), Urgency: urgent ? 'high' : 'normal' } },
        });
        // The SDK may still be retrying when the race is lost: that send is then in the same
        // repeated-send window as a crash after the provider accepted (docs/notifications.md).
        sending.catch(() => {});
        const result = await Promise.race([sending, timeout]).finally(() => clearTimeout(timer));
        const ids: string[] = [];
        const invalidTokens: string[] = [];
        let transient: string | undefined;
        let permanent: string | undefined;
        result.responses.forEach((r, i) => {
          if (r.success) return void ids.push(r.messageId!);
          const code = r.error?.code ?? 'unknown';
          if (DEAD_TOKEN.has(code)) invalidTokens.push(job.tokens[i]!);
          if (TRANSIENT.has(code)) transient ??= `${code}: ${r.error?.message ?? ''}`;
          else permanent ??= `${code}: ${r.error?.message ?? ''}`;
        });
        if (ids.length > 0) return { kind: 'sent', providerMessageId: ids.join(' '), invalidTokens };
        if (transient) return { kind: 'retry', error: transient, invalidTokens };
        return { kind: 'failed', error: permanent ?? 'every device token was refused', invalidTokens };
      } catch (error) {
        // The whole request failed (network, auth, 5xx): nothing was delivered.
        return { kind: 'retry', error: describeError(error) };
      }
    },
    async stop() {
      await deleteApp(app);
      httpAgent?.destroy();
    },
  };
}
