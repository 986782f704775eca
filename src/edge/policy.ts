/**
 * The edge: the policy every subscription transport goes through, whatever protocol carries it
 * (graphql-ws, Yoga's SSE, graphql-sse's single connection mode, Apollo's multipart). Adapters
 * (src/server/ws.ts, src/edge/plugin.ts, src/server/plugins/sse-single-connection.ts) only speak
 * their protocol and call this:
 * - `check(principal)` before every operation of a session that outlives one request: the token
 *   has not expired, the API key is still active (a database read), the user's token is not
 *   older than their not-before (auth/not-before.ts). The last two are remembered per credential
 *   for `checkCacheMs`, and forgotten at once when a revocation of that credential reaches this
 *   instance (the `sessions` channel, which also ends its sessions), so a reconnect storm does
 *   not read the database once per subscribe. HTTP requests get the same from the one
 *   context factory (server/context.ts), which authenticates every request.
 * - `open(principal, transport, onEnd)` for a session (a socket, a stream, a reservation): a place
 *   in MAX_SOCKETS_PER_CREDENTIAL counted across transports and instances (limits/socket-quota.ts),
 *   registration in the session registry (revocations from any instance end it), an entry in the
 *   one expiry wheel that ends it at the token's expiry (lib/timer-wheel.ts), and presence. `onEnd(code)` is the adapter's way of ending it.
 * - `guard(result, …)` for every subscription stream: backpressure (SLOW_CONSUMER with `after`,
 *   server/backpressure.ts) against the transport's unsent bytes, the subscriptions gauge by
 *   transport, presence's subscription count, and — when a lease is given — a last error payload
 *   with the end code when the edge ends the session, then the end of the stream.
 */
import type { ExecutionResult } from 'graphql';
import type { ApiKeyService } from '../auth/api-keys.js';
import { issuedBeforeRevocation, type NotBeforeStore } from '../auth/not-before.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../lib/logger.js';
import { createTimerWheel } from '../lib/timer-wheel.js';
import type { Metrics } from '../lib/metrics.js';
import type { PresenceService } from '../presence/service.js';
import { guardSubscription } from '../server/backpressure.js';
import type { SocketQuota } from '../server/limits/socket-quota.js';
import type { SessionRegistry } from './sessions.js';
import { EdgeEndCode, endedError, type EdgeSession, type Transport } from './types.js';

export interface EdgeOptions {
  metrics: Metrics;
  logger: Logger;
  apiKeys: Pick<ApiKeyService, 'isActive'>;
  notBefore: NotBeforeStore;
  sessions: SessionRegistry;
  presence: PresenceService;
  /** Places per credential, shared by every transport (and every instance with Redis). */
  quota: SocketQuota;
  /** MAX_SOCKETS_PER_CREDENTIAL: sessions one credential may hold at once, all transports together. */
  maxSessionsPerCredential: number;
  /** WS_MAX_BUFFERED_BYTES: unsent bytes of a session above which its subscriber is too slow. */
  maxBufferedBytes: number;
  /**
   * How long a credential's check (API key active, not-before) is remembered. A revocation
   * message forgets it at once; this bounds how long a key revoked in the database without one
   * (another tool, or while Redis was down) keeps passing `check` on a socket already open.
   * @default 10_000
   */
  checkCacheMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** One session held at the edge. */
export interface EdgeLease {
  readonly principal: Principal;
  readonly transport: Transport;
  /** Set once the edge ended the session. */
  readonly endedWith: EdgeEndCode | undefined;
  /** Called once with the end code (at once when already ended); returns the unsubscribe. */
  onEnd(listener: (code: EdgeEndCode) => void): () => void;
  /** Ends the session with `code` (as a revocation would). */
  end(code: EdgeEndCode): void;
  /** An operation arrived on the session (presence: not away). */
  active(): void;
  /** Gives the place back; idempotent. */
  release(): Promise<void>;
}

export interface GuardStreamOptions {
  transport: Transport;
  /** Bytes written to the transport and not yet sent to the client. */
  bufferedAmount: () => number;
  /** The session the stream belongs to: its end becomes the stream's last payload. */
  lease?: EdgeLease;
}

export interface Edge {
  /** Why this principal may not run another operation, or undefined. Counted as a refusal when refused. */
  check(principal: Principal): Promise<EdgeEndCode | undefined>;
  /** A session for the principal, or undefined when the credential holds its maximum already. */
  open(principal: Principal, transport: Transport): Promise<EdgeLease | undefined>;
  guard(result: AsyncIterable<ExecutionResult>, options: GuardStreamOptions): AsyncIterableIterator<ExecutionResult>;
  /**
   * Forgets what `check` remembers about a credential. The edge does it itself for every
   * revocation reaching the session registry (every instance) and every `sessions.changed` (this one).
   */
  forget(kind: Principal['kind'], subject: string): void;
  /** The shared stores the edge needs (socket quota, not-before marks) answer. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

/** A transport's unsent bytes, read when asked (a class: an object literal with a getter is a dictionary-mode object, about 300 bytes per stream). */
class UnsentBytes {
  constructor(private readonly read: () => number) {}
  get bufferedAmount(): number {
    return this.read();
  }
}

export function createEdge(options: EdgeOptions): Edge {
  const { metrics, logger, presence, sessions, quota } = options;
  const now = options.now ?? Date.now;
  const checkCacheMs = options.checkCacheMs ?? 10_000;
  // Every session's token expiry, on one timer.
  const expiries = createTimerWheel({ now, onError: (err) => logger.error({ err }, 'edge: ending an expired session failed') });

  // Credentials whose stored state (API key active, not-before) passed lately: credential → the
  // token's issued-at (a user's tokens differ in it; null for API keys) → until.
  const passed = new Map<string, Map<number | null, number>>();
  let pruneAt = 10_000;
  // Bumped by every revocation: a check that started before one does not remember its answer.
  let revocations = 0;
  const forget = (kind: Principal['kind'], subject: string) => {
    revocations += 1;
    passed.delete(`${kind}:${subject}`);
  };
  const unlisten = sessions.onRevocation(({ kind, subject }) => forget(kind, subject));

  /** The credential's stored state: an active API key, a token not older than the user's not-before. */
  async function storedRefusal(principal: Principal): Promise<EdgeEndCode | undefined> {
    // An API key revoked without the revocation reaching this session (revoked in the database by
    // another tool, or while Redis was down) is caught here. If the database cannot answer, the
    // key that was valid at connect keeps working: readiness reports the outage.
    if (principal.kind === 'apiKey' && !(await options.apiKeys.isActive(principal.subject).catch(() => true))) return EdgeEndCode.ApiKeyRevoked;
    if (await issuedBeforeRevocation(options.notBefore, principal)) return EdgeEndCode.SessionsRevoked;
    return undefined;
  }

  async function check(principal: Principal): Promise<EdgeEndCode | undefined> {
    let refusal: EdgeEndCode | undefined;
    const at = now();
    if (principal.expiresAt !== null && principal.expiresAt <= at) refusal = EdgeEndCode.TokenExpired;
    else {
      const credential = `${principal.kind}:${principal.subject}`;
      const issued = principal.kind === 'user' ? (principal.issuedAt ?? null) : null;
      const until = passed.get(credential)?.get(issued);
      if (until === undefined || until <= at) {
        const seen = revocations;
        refusal = await storedRefusal(principal);
        if (refusal) passed.get(credential)?.delete(issued);
        else if (seen === revocations) {
          // Bounded: entries of credentials checked within the window; expired ones are dropped as it grows.
          if (passed.size >= pruneAt) {
            for (const [c, tokens] of passed) {
              for (const [i, u] of tokens) if (u <= at) tokens.delete(i);
              if (tokens.size === 0) passed.delete(c);
            }
            pruneAt = Math.max(10_000, passed.size * 2);
          }
          const tokens = passed.get(credential) ?? new Map<number | null, number>();
          tokens.set(issued, at + checkCacheMs);
          passed.set(credential, tokens);
        }
      }
    }
    if (refusal) metrics.refuse(refusal);
    return refusal;
  }

  async function open(principal: Principal, transport: Transport): Promise<EdgeLease | undefined> {
    const credential = `${principal.kind}:${principal.subject}`;
    const place = await quota.acquire(credential, options.maxSessionsPerCredential);
    if (!place) return undefined;
    const listeners = new Set<(code: EdgeEndCode) => void>();
    let released = false;
    let cancelExpiry: (() => void) | undefined;

    const end = (code: EdgeEndCode) => {
      if (lease.endedWith || released) return;
      lease.endedWith = code;
      cancelExpiry?.();
      for (const listener of [...listeners]) listener(code);
      listeners.clear();
    };
    const session: EdgeSession = { end };

    // Plain data properties only (`endedWith` is set by `end`): an object literal with a getter is a
    // dictionary-mode object, about 300 bytes more for every open session.
    const lease: { -readonly [K in keyof EdgeLease]: EdgeLease[K] } = {
      principal,
      transport,
      endedWith: undefined,
      onEnd(listener) {
        if (lease.endedWith) {
          const code = lease.endedWith;
          queueMicrotask(() => listener(code));
          return () => {};
        }
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      end,
      active: () => presence.active(lease),
      async release() {
        if (released) return;
        released = true;
        cancelExpiry?.();
        listeners.clear();
        sessions.remove(principal, session);
        presence.disconnected(lease);
        await quota.release(credential, place).catch((err: unknown) => logger.warn({ err }, 'edge: session place not released'));
      },
    };
    sessions.add(principal, session);
    presence.connected(principal, lease);
    if (principal.expiresAt !== null) cancelExpiry = expiries.schedule(principal.expiresAt, () => end(EdgeEndCode.TokenExpired));
    return lease;
  }

  function guard(result: AsyncIterable<ExecutionResult>, { transport, bufferedAmount, lease }: GuardStreamOptions): AsyncIterableIterator<ExecutionResult> {
    const guarded = guardSubscription(result, {
      socket: new UnsentBytes(bufferedAmount),
      maxBufferedBytes: options.maxBufferedBytes,
      metrics,
      logger,
      onStart: () => {
        metrics.subscriptions.inc({ transport });
        presence.subscriptionStarted();
      },
      onEnd: () => {
        metrics.subscriptions.dec({ transport });
        presence.subscriptionEnded();
      },
    });
    return lease ? endable(guarded, lease) : guarded;
  }

  return {
    check,
    open,
    guard,
    forget,
    readiness: async () => (await Promise.all([quota.readiness(), options.notBefore.readiness()])).every(Boolean),
    async stop() {
      unlisten();
      expiries.stop();
      passed.clear();
      await quota.stop();
    },
  };
}

/** A pull of a leased stream waiting on its upstream; answered once, by its result or by the end. */
interface Pull {
  resolve: (step: IteratorResult<ExecutionResult>) => void;
  reject: (error: unknown) => void;
  answered: boolean;
}

/**
 * The stream ends when the lease does: the upstream is returned at once (the pubsub listener and
 * the gauge are freed even if the client is not reading), and the next pull gets one last payload
 * `{ errors: [{ extensions: { code } }] }` without `data` (a fatal end), then `done`.
 *
 * A pull waiting on the upstream is settled by whichever comes first, its result or the end: one
 * promise per pull, not a `Promise.race` and a wake-up promise per delivered message.
 */
function endable(inner: AsyncIterableIterator<ExecutionResult>, lease: EdgeLease): AsyncIterableIterator<ExecutionResult> {
  let final: ExecutionResult | undefined;
  let finished = false;
  /** The pull waiting on the upstream, if any (the end answers it). */
  let waiting: Pull | undefined;
  const unlisten = lease.onEnd((code) => {
    if (finished) return;
    final = { errors: [endedError(code)] };
    void inner.return?.().catch(() => undefined);
    const pull = waiting;
    waiting = undefined;
    if (pull && !pull.answered) {
      pull.answered = true;
      pull.resolve(endedNow());
    }
  });
  const endedNow = (): IteratorResult<ExecutionResult> => {
    finished = true;
    const value = final!;
    final = undefined;
    return { value, done: false };
  };
  const settle = (pull: Pull, step: IteratorResult<ExecutionResult> | undefined, error?: unknown) => {
    if (waiting === pull) waiting = undefined;
    // Ended while the upstream was pulled: that pull was answered already.
    if (pull.answered) return;
    pull.answered = true;
    if (final) return pull.resolve(endedNow());
    if (!step) return pull.reject(error);
    if (step.done) {
      finished = true;
      unlisten();
    }
    pull.resolve(step);
  };
  return {
    next() {
      if (finished) return Promise.resolve({ value: undefined, done: true });
      if (final) return Promise.resolve(endedNow());
      return new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
        const pull: Pull = { resolve, reject, answered: false };
        waiting = pull;
        Promise.resolve(inner.next()).then(
          (step) => settle(pull, step),
          (error: unknown) => settle(pull, undefined, error),
        );
      });
    },
    async return() {
      finished = true;
      unlisten();
      const pull = waiting;
      waiting = undefined;
      if (pull && !pull.answered) {
        pull.answered = true;
        pull.resolve({ value: undefined, done: true });
      }
      await inner.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
