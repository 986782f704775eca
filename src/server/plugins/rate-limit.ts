/**
 * Applies the rate limiter to every GraphQL operation, over HTTP and WebSocket (each `subscribe`
 * counts as one operation; the events it streams do not). API keys, which are back ends
 * ingesting events, get their own budget.
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../lib/metrics.js';
import type { GraphQLContext } from '../../schema/builder.js';
import { clientError, ErrorCode } from '../../schema/errors.js';
import type { RateBudget, RateLimiter } from '../limits/rate-limit.js';

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** Undefined: no limit for that kind of caller. */
  users: RateBudget | undefined;
  apiKeys: RateBudget | undefined;
  metrics: Metrics;
}

type LimitedContext = GraphQLContext & { req?: IncomingMessage; request?: Request };

function callerOf(ctx: LimitedContext): { key: string; apiKey: boolean } {
  if (ctx.principal) return { key: `${ctx.principal.kind}:${ctx.principal.subject}`, apiKey: ctx.principal.kind === 'apiKey' };
  return { key: `anon:${ctx.req?.socket?.remoteAddress ?? 'unknown'}`, apiKey: false };
}

export function useRateLimit({ limiter, users, apiKeys, metrics }: RateLimitOptions): Plugin<LimitedContext> {
  const check = async (ctx: LimitedContext) => {
    const caller = callerOf(ctx);
    const budget = caller.apiKey ? apiKeys : users;
    if (!budget) return undefined;
    // Redis unreachable: let the operation through rather than refuse every caller (readiness
    // already reports the outage).
    const decision = await limiter.take(caller.key, budget).catch(() => ({ allowed: true, retryAfterMs: 0 }));
    if (decision.allowed) return undefined;
    metrics.refuse(ErrorCode.RateLimited);
    return clientError(ErrorCode.RateLimited, `rate limit exceeded; retry in ${decision.retryAfterMs} ms`, { retryAfterMs: decision.retryAfterMs });
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refused = await check(args.contextValue as LimitedContext);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refused = await check(args.contextValue as LimitedContext);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
  };
}
