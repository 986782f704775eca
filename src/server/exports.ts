/**
 * `GET /exports/payment-events.csv`: a merchant's events over a date range as CSV, streamed from
 * the database page by page (docs/dashboard.md). The same credentials as GraphQL, in headers
 * only (`Authorization: Bearer <JWT>` or `x-api-key`; never in the URL, where it would land in
 * logs), the same roles (merchant staff; admins name `merchantId`), the same rate limit, and the
 * filters of `paymentEvents` as query parameters. A refusal is JSON shaped like a GraphQL error,
 * with `extensions.code`, and nothing is streamed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError, type Principal } from '../auth/principal.js';
import { isCurrency } from '../lib/currency.js';
import type { PaymentEventFilter } from '../payments/filter.js';
import { exportCsv, type ExportQuery } from '../payments/export.js';
import { PAYMENT_EVENT_TYPES, PAYMENT_METHODS, type PaymentEventType, type PaymentMethod } from '../payments/types.js';
import { ErrorCode } from '../schema/errors.js';
import type { PrismaClient } from '../db/client.js';
import type { Infrastructure } from '../infrastructure.js';
import type { MerchantService } from '../merchants/service.js';
import { authenticate, type AuthDeps } from './context.js';

export const EXPORT_PATH = '/exports/payment-events.csv';
/** Longest range one export may cover. */
export const MAX_EXPORT_DAYS = 366;

class ExportRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const bad = (message: string) => new ExportRefusal(400, ErrorCode.BadUserInput, message);

/** An ISO 8601 timestamp with an explicit offset, as the DateTime scalar takes it. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function timestamp(params: URLSearchParams, name: string): Date {
  const value = params.get(name);
  if (value === null) throw bad(`${name} is required (an ISO 8601 timestamp such as 2026-11-22T00:00:00Z)`);
  const at = new Date(value);
  if (!TIMESTAMP.test(value) || Number.isNaN(at.getTime())) throw bad(`${name} must be an ISO 8601 timestamp with an offset, e.g. 2026-11-22T00:00:00Z`);
  return at;
}

/** `a,b` or repeated parameters; empty entries are ignored. */
function list(params: URLSearchParams, name: string): string[] {
  return params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** GraphQL enum names as the API spells them (PAYMENT_COMPLETED, MOBILE_MONEY) to stored values. */
const TYPE_BY_NAME = new Map<string, PaymentEventType>(PAYMENT_EVENT_TYPES.map((t) => [t.replace('.', '_').toUpperCase(), t]));
const METHOD_BY_NAME = new Map<string, PaymentMethod>(PAYMENT_METHODS.map((m) => [m.toUpperCase(), m]));

function enumList<T>(params: URLSearchParams, name: string, byName: Map<string, T>): T[] {
  return list(params, name).map((v) => {
    const value = byName.get(v);
    if (value === undefined) throw bad(`${name}: unknown value ${JSON.stringify(v.slice(0, 64))} (one of ${[...byName.keys()].join(', ')})`);
    return value;
  });
}

export function parseExportParams(params: URLSearchParams): Omit<ExportQuery, 'merchantId'> & { merchantId: string | undefined } {
  const from = timestamp(params, 'from');
  const to = timestamp(params, 'to');
  if (from >= to) throw bad('`from` must be before `to`');
  if (to.getTime() - from.getTime() > MAX_EXPORT_DAYS * 86_400_000) throw new ExportRefusal(400, ErrorCode.RangeTooLarge, `an export covers at most ${MAX_EXPORT_DAYS} days`);
  const currencies = list(params, 'currencies').map((c) => c.toUpperCase());
  for (const c of currencies) if (!isCurrency(c)) throw new ExportRefusal(400, ErrorCode.InvalidCurrency, `currencies: ${JSON.stringify(c.slice(0, 16))} is not an ISO 4217 code`);
  const min = params.get('minAmountMinor');
  if (min !== null && !/^\d{1,19}$/.test(min)) throw bad('minAmountMinor must be a whole number of minor units');
  const filter: PaymentEventFilter = {
    types: enumList(params, 'types', TYPE_BY_NAME),
    providers: list(params, 'providers'),
    currencies,
    paymentMethods: enumList(params, 'paymentMethods', METHOD_BY_NAME),
    minAmountMinor: min === null ? null : BigInt(min),
    customerId: params.get('customerId') || null,
  };
  return { from, to, filter, merchantId: params.get('merchantId') || undefined };
}

/** Same rule as merchantScope for GraphQL: staff get their own merchant, admins must name one. */
function scope(principal: Principal | null, requested: string | undefined): string {
  if (!principal) throw new ExportRefusal(401, ErrorCode.Unauthenticated, 'authentication required: Authorization: Bearer <token> or x-api-key');
  if (principal.role === 'admin') {
    if (!requested) throw bad('merchantId is required for admins');
    return requested;
  }
  if (principal.role !== 'merchant' || !principal.merchantId) throw new ExportRefusal(403, ErrorCode.Forbidden, 'exports are for merchant staff');
  if (requested && requested !== principal.merchantId) throw new ExportRefusal(403, ErrorCode.Forbidden, "cannot access another merchant's data");
  return principal.merchantId;
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

/** What the export route needs: credentials, the caller's rate limit, the merchant check and the events' database. */
export type ExportDeps = Pick<Infrastructure, 'config' | 'logger' | 'metrics' | 'rateLimiter'> & {
  auth: AuthDeps;
  merchants: Pick<MerchantService, 'get'>;
  prisma: PrismaClient;
};

export function createExportHandler(deps: ExportDeps) {
  const { config, logger, metrics, rateLimiter, merchants, prisma } = deps;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ExportRefusal(405, ErrorCode.MethodNotAllowed, 'use GET', { allow: 'GET' });
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      let principal: Principal | null;
      try {
        principal = await authenticate(deps.auth, { authorization: header('authorization'), apiKey: header('x-api-key') });
      } catch (error) {
        if (error instanceof AuthError) throw new ExportRefusal(error.code === ErrorCode.Forbidden ? 403 : 401, error.code, error.message);
        throw error;
      }
      const parsed = parseExportParams(params);
      const merchantId = scope(principal, parsed.merchantId);
      const budget = principal!.kind === 'apiKey' ? config.limits.rate.apiKeys : config.limits.rate.users;
      if (budget) {
        // One export is one operation of the caller's GraphQL budget.
        const decision = await rateLimiter.take(`${principal!.kind}:${principal!.subject}`, budget).catch(() => ({ allowed: true, retryAfterMs: 0 }));
        if (!decision.allowed) {
          throw new ExportRefusal(429, ErrorCode.RateLimited, 'rate limit exceeded', { 'retry-after': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) });
        }
      }
      if (!(await merchants.get(merchantId))) throw new ExportRefusal(404, ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);

      const name = `paypulse-${fileSafe(merchantId)}-${parsed.from.toISOString().slice(0, 10)}-${parsed.to.toISOString().slice(0, 10)}.csv`;
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8; header=present',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') return void res.end();
      let closed = false;
      res.on('close', () => (closed = true));
      for await (const chunk of exportCsv(prisma, { ...parsed, merchantId })) {
        if (closed) return;
        // Respect the client's pace: wait for the socket to drain before reading the next page.
        if (!res.write(chunk)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      }
      res.end();
    } catch (error) {
      if (error instanceof ExportRefusal) {
        metrics.refuse(error.code);
        return json(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] }, error.headers);
      }
      logger.error({ err: error }, 'payment event export failed');
      // Mid-stream the status is already sent: cutting the connection tells the client the file is incomplete.
      if (res.headersSent) return void res.destroy();
      json(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: ErrorCode.InternalServerError } }] });
    }
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
