/**
 * `/webhooks/<provider>/<merchantId>[/<token>]`, served before Yoga for providers that cannot
 * send GraphQL. The raw body is read under the server's body-size limit (signatures cover the
 * exact bytes), then handed to the webhook service. Answers are JSON: 200 with the ingest status
 * (or the provider's expected shape), or the refusal's status with `{ code, message }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { RateBudget, RateLimiter } from '../server/limits/rate-limit.js';
import { ADAPTERS } from './providers/index.js';
import { header, type WebhookRequest } from './providers/common.js';
import { refuse, WebhookCode, WebhookRefusal } from './refusal.js';
import { isNativeProvider, PROVIDER_NAME } from './secrets.js';
import type { WebhookService } from './service.js';
import { ErrorCode } from '../lib/error-codes.js';

export const WEBHOOK_PATH_PREFIX = '/webhooks/';

export interface WebhookHttpOptions {
  webhooks: WebhookService;
  maxBodyBytes: number;
  metrics: Metrics;
  logger: Logger;
  rateLimiter: RateLimiter;
  /** Per client address (the API key budget: providers burst); undefined = no limit. */
  budget: RateBudget | undefined;
}

export function createWebhookHttpHandler({ webhooks, maxBodyBytes, metrics, logger, rateLimiter, budget }: WebhookHttpOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = parseRoute(url.pathname);
      if (!route) throw refuse(WebhookCode.UnknownProvider, 'expected /webhooks/<provider>/<merchantId>');
      if (budget) {
        // Per sending address, before the body is read or a secret looked up: a flood costs one
        // token-bucket call, and one merchant's flood cannot use up another sender's budget.
        const decision = await rateLimiter.take(`webhook:${req.socket.remoteAddress ?? 'unknown'}`, budget);
        if (!decision.allowed) {
          req.resume();
          const seconds = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
          throw refuse(ErrorCode.RateLimited, 'too many webhook requests from this address', { retryAfterMs: decision.retryAfterMs }, 429, { 'retry-after': seconds });
        }
      }
      const method = req.method ?? 'GET';
      const adapter = isNativeProvider(route.provider) ? ADAPTERS[route.provider] : undefined;
      if (!(adapter?.methods ?? ['POST']).includes(method)) throw refuse(WebhookCode.MethodNotAllowed, `${route.provider} webhooks use ${(adapter?.methods ?? ['POST']).join(' or ')}`);
      const rawBody = await readBody(req, maxBodyBytes);
      if (adapter && isNativeProvider(route.provider)) {
        const request: WebhookRequest = { method, headers: req.headers, rawBody, query: url.searchParams, pathToken: route.token };
        const outcome = await webhooks.receiveNative(route.provider, route.merchantId, request);
        if (outcome.status === 'ignored') return json(res, 200, { status: 'IGNORED', reason: outcome.reason });
        return json(res, 200, adapter.acknowledge?.() ?? { status: outcome.status.toUpperCase(), eventId: eventIdOf(outcome) });
      }
      const request: WebhookRequest = { method, headers: req.headers, rawBody, query: url.searchParams, pathToken: undefined };
      const outcome = await webhooks.receiveStandard({
        merchantId: route.merchantId,
        provider: route.provider,
        webhookId: header(request, 'webhook-id'),
        webhookTimestamp: header(request, 'webhook-timestamp'),
        signature: header(request, 'webhook-signature'),
        payload: rawBody,
      });
      return json(res, 200, { status: outcome.status.toUpperCase(), eventId: eventIdOf(outcome) });
    } catch (error) {
      if (error instanceof WebhookRefusal) {
        // Refusals raised before the service (route, method, size) are counted here; the service counts its own.
        if (!error.counted) metrics.refuse(error.code);
        return json(res, error.status, { code: error.code, message: error.message, ...error.details }, { ...error.headers, ...(error.code === ErrorCode.PayloadTooLarge ? { connection: 'close' } : {}) });
      }
      logger.error({ err: error }, 'webhook failed');
      if (!res.headersSent) json(res, 500, { code: ErrorCode.Internal, message: 'Unexpected error.' });
    }
  };
}

function eventIdOf(outcome: { status: string; eventId?: string; event?: { eventId: string } }): string | undefined {
  return outcome.eventId ?? outcome.event?.eventId;
}

interface Route {
  provider: string;
  merchantId: string;
  token: string | undefined;
}

function parseRoute(pathname: string): Route | undefined {
  if (!pathname.startsWith(WEBHOOK_PATH_PREFIX)) return undefined;
  let parts: string[];
  try {
    parts = pathname.slice(WEBHOOK_PATH_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [provider, merchantId, token, ...rest] = parts;
  if (!provider || !merchantId || rest.length > 0 || !PROVIDER_NAME.test(provider)) return undefined;
  // Only M-Pesa carries its secret in the path.
  if (token !== undefined && (provider !== 'mpesa' || token === '')) return undefined;
  return { provider, merchantId, token };
}

/** The body as UTF-8, refused with 413 beyond `max` bytes (declared or counted). */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  const tooLarge = () => refuse(ErrorCode.PayloadTooLarge, `request body exceeds ${max} bytes`, {}, 413);
  if (Number(req.headers['content-length'] ?? 0) > max) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
