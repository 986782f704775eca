import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Metrics } from '../lib/metrics.js';
import { DASHBOARD_PATH } from './dashboard.js';
import { EXPORT_PATH } from './exports.js';
import type { PaypulseYoga } from './yoga.js';
import { ErrorCode } from '../lib/error-codes.js';

export interface HttpHandlerOptions {
  yoga: PaypulseYoga;
  /** Resolves true when the instance may take traffic (database and pubsub reachable, not draining). */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  metrics: Metrics;
  maxBodyBytes: number;
  /** Provider webhooks under /webhooks/ (they read their own raw body, under the same limit). */
  webhooks?: RequestListener;
  /** The dashboard page under /dashboard (and `/`, which redirects to it). */
  dashboard?: RequestListener;
  /** GET /exports/payment-events.csv. */
  exports?: RequestListener;
}

/** Health and metrics routes, the request-body limit, then Yoga (GraphQL over HTTP, GraphiQL, SSE). */
export function createHttpHandler({ yoga, readiness, metrics, maxBodyBytes, webhooks, dashboard, exports }: HttpHandlerOptions): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      readiness().then(
        (r) => json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks }),
        () => json(res, 503, { status: 'not ready' }),
      );
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      metrics.render().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        () => json(res, 500, { status: 'metrics unavailable' }),
      );
      return;
    }
    if (webhooks && path?.startsWith('/webhooks/')) return void webhooks(req, res);
    if (dashboard && (path === '/' || path === DASHBOARD_PATH || path?.startsWith(`${DASHBOARD_PATH}/`))) return void dashboard(req, res);
    if (exports && path === EXPORT_PATH) {
      // A GET has no body to read; anything sent anyway is drained under the usual limit.
      if (!withinBodyLimit(req, res, maxBodyBytes, metrics)) return;
      req.resume();
      return void exports(req, res);
    }
    if (!withinBodyLimit(req, res, maxBodyBytes, metrics)) return;
    void yoga.requestListener(req, res);
  };
}

/**
 * Refuses bodies over the limit before Yoga buffers them: by Content-Length up front, and by
 * counting bytes as they arrive for chunked bodies (the connection is cut at the limit).
 */
function withinBodyLimit(req: IncomingMessage, res: ServerResponse, max: number, metrics: Metrics): boolean {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) {
    metrics.refuse(ErrorCode.PayloadTooLarge);
    tooLarge(res, max);
    req.resume();
    return false;
  }
  if (req.headers['transfer-encoding']) {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max && !res.headersSent) {
        metrics.refuse(ErrorCode.PayloadTooLarge);
        tooLarge(res, max);
        req.destroy();
      }
    });
  }
  return true;
}

function tooLarge(res: ServerResponse, max: number) {
  json(res, 413, { errors: [{ message: `request body exceeds ${max} bytes`, extensions: { code: ErrorCode.PayloadTooLarge } }] }, { connection: 'close' });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Requests Node's HTTP parser refuses before any handler runs (headers or URL over its 16 KB
 * limit, malformed request lines) are counted as refusals and answered as Node would: 431 for
 * oversized headers, 400 otherwise. Attach with `server.on('clientError', …)`.
 */
export function createClientErrorHandler(metrics: Metrics): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    // Only parse errors are the client's request; a reset or timeout is just a connection ending.
    if (!socket.writable || !error.code?.startsWith('HPE_')) return void socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    metrics.refuse(tooLarge ? 'HEADERS_TOO_LARGE' : ErrorCode.BadRequest);
    socket.end(tooLarge ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  };
}
